import re
from pathlib import Path

from django.conf import settings
from django.test import RequestFactory, TestCase, override_settings
from django.urls import reverse
from django.views.defaults import server_error

from kb_site.test import KBTestCase
from kb_site.tests.world import grow
from taxonomy import coverage
from taxonomy.tests.factories import make_reported_figure

TEMPLATES = Path(settings.BASE_DIR) / "templates"
CODE = [Path(settings.BASE_DIR) / p for p in ("kb_site/views.py", "taxonomy/views.py", "taxonomy/charts.py")]


class HomeTests(KBTestCase):
    url = reverse("home")

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        make_reported_figure("addressed", value="12.5", computed_counterpart="leaves.addressed_pct", position=1)
        make_reported_figure("github", value="33.3", computed_counterpart="github.unaddressed_pct", position=2)
        make_reported_figure(
            "primary-challenges", value="13", unit="count", computed_counterpart="challenges.confirmed", position=3
        )

    def figure(self, html, key):
        return re.search(rf'<div class="figure" id="figure-{key}">(.*?)\n    </div>', html, re.S).group(1)

    def test_headline_figures_are_computed_beside_the_reported_ones(self):
        html = self.client.get(self.url).content.decode()
        summary = coverage.coverage_summary()
        addressed = self.figure(html, "addressed")
        self.assertIn(f'data-computed="{summary.leaves.addressed_pct}"', addressed)
        self.assertIn("50.0%", addressed)  # 1 of the 2 leaves, by hand
        self.assertIn("computed here: 1 of 2", addressed)
        self.assertIn('data-reported="12.50">12.5%</strong>', addressed)
        github = self.figure(html, "github")
        self.assertIn("computed here: 1 of 2", github)  # the commit's leaf is unaddressed, the issue's is not
        self.assertIn("33.3%", github)

    def test_counts_follow_the_data(self):
        html = self.client.get(self.url).content.decode()
        self.assertIn("1 of 2", self.figure(html, "addressed"))
        grow(self, 2)  # two more leaves: one explicit, one partial
        html = self.client.get(self.url).content.decode()
        self.assertIn("computed here: 2 of 4", self.figure(html, "addressed"))
        self.assertIn("1 of the survey’s 13 challenges catalogued", html)

    def test_citation_why_they_differ_entry_points_and_search_box(self):
        response = self.client.get(self.url)
        self.assertContains(response, "Why they differ:")
        self.assertContains(response, "Reported figures: A. Author (2020) “Source nguyen2025”")
        for name in (
            "taxonomy:fault-list",
            "papers:paper-list",
            "challenges:evidence-list",
            "challenges:challenge-list",
            "taxonomy:coverage",
            "taxonomy:sources",
            "challenges:interview-list",
        ):
            self.assertContains(response, f'href="{reverse(name)}"')
        self.assertContains(response, f'<form class="home-search" action="{reverse("search")}"')

    def test_no_reported_figure_is_typed_into_code_or_templates(self):
        reported = ("48.0", "46.9", "52.6", "70.3")
        for path in [*TEMPLATES.rglob("*.html"), *CODE]:
            text = path.read_text()
            for value in reported:
                self.assertNotIn(value, text, f"{value} in {path}")

    def test_query_count_does_not_grow_with_the_data(self):
        with self.assertNumQueries(11):
            self.client.get(self.url)
        grow(self, 4)
        with self.assertNumQueries(11):
            self.client.get(self.url)


class ReadOnlyPagesTests(KBTestCase):
    def test_pages_answer_get_and_refuse_writes(self):
        urls = [
            reverse("home"),
            reverse("search"),
            reverse("taxonomy:fault-list"),
            reverse("taxonomy:fault-detail", args=["T.1-1"]),
            reverse("taxonomy:coverage"),
            reverse("taxonomy:sources"),
            reverse("papers:paper-list"),
            reverse("papers:paper-detail", args=["alpha"]),
            reverse("papers:related-list"),
            reverse("challenges:evidence-list"),
            reverse("challenges:artifact-detail", args=[self.issue.pk]),
            reverse("challenges:mention-list"),
            reverse("challenges:interview-list"),
            reverse("challenges:interview-detail", args=[1]),
            reverse("challenges:challenge-list"),
            reverse("challenges:challenge-detail", args=[self.challenge.slug]),
        ]
        for url in urls:
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 200)
                self.assertEqual(self.client.post(url).status_code, 405)


class ErrorPageTests(TestCase):
    def test_404_page_uses_the_layout_and_offers_a_way_on(self):
        response = self.client.get("/no/such/page/")
        self.assertEqual(response.status_code, 404)
        self.assertContains(response, "Page not found", status_code=404)
        self.assertContains(response, f'action="{reverse("search")}"', status_code=404)
        self.assertContains(response, '<nav class="nav" aria-label="Main">', status_code=404)

    def test_500_page_is_standalone_and_runs_no_query(self):
        source = (TEMPLATES / "500.html").read_text()
        self.assertNotIn("{% extends", source)
        self.assertNotIn("{% url", source)
        request = RequestFactory().get("/")
        with self.assertNumQueries(0):
            response = server_error(request)
        self.assertEqual(response.status_code, 500)
        self.assertIn(b"Something went wrong on our side", response.content)

    @override_settings(DEBUG=False)
    def test_500_is_served_when_a_view_fails(self):
        from unittest import mock

        self.client.raise_request_exception = False
        with mock.patch("kb_site.views.coverage.compute", side_effect=RuntimeError("boom")):
            response = self.client.get(reverse("home"))
        self.assertEqual(response.status_code, 500)
        self.assertIn(b"Something went wrong on our side", response.content)
