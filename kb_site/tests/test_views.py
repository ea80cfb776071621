from pathlib import Path

from django.conf import settings
from django.test import RequestFactory, TestCase, override_settings
from django.urls import reverse
from django.views.defaults import server_error

from kb_site.test import KBTestCase

TEMPLATES = Path(settings.BASE_DIR) / "templates"


class ReadOnlyPagesTests(KBTestCase):
    def test_pages_answer_get_and_refuse_writes(self):
        urls = [
            reverse("home"),
            reverse("search"),
            reverse("coverage:fault-list"),
            reverse("coverage:fault-detail", args=["T.1-1"]),
            reverse("coverage:dashboard"),
            reverse("coverage:sources"),
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
        with mock.patch("coverage.views.coverage_live.live", side_effect=RuntimeError("boom")):
            response = self.client.get(reverse("home"))
        self.assertEqual(response.status_code, 500)
        self.assertIn(b"Something went wrong on our side", response.content)
