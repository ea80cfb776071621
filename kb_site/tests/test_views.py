from pathlib import Path

import pytest
from django.conf import settings
from django.test import RequestFactory, TestCase, override_settings
from django.urls import reverse
from django.views.defaults import server_error

from challenges.tests.factories import make_artifact
from kb_site import search
from kb_site.test import KBTestCase
from kb_site.tests.world import grow
from papers.tests.factories import make_paper

TEMPLATES = Path(settings.BASE_DIR) / "templates"


class SearchTests(KBTestCase):
    url = reverse("search")

    def groups(self, q):
        response = self.client.get(self.url, {"q": q})
        self.assertEqual(response.status_code, 200)
        return {g.key: g for g in response.context["results"].groups}

    def test_finds_faults_papers_evidence_and_challenges(self):
        make_artifact(self.uncovered, url="https://github.com/o/r/issues/leak", final_tag="memory leak in loop")
        groups = self.groups("memory leak")
        self.assertEqual([f.code for f in groups["faults"].hits], ["T.1-1"])
        self.assertEqual([p.key for p in groups["papers"].hits], ["alpha"])
        # The new artefact by its tag; the issue and the post through the name of their fault.
        self.assertEqual(groups["artifacts"].total, 3)
        challenge = self.groups("hard to use framework")["challenges"]
        self.assertEqual([c.slug for c in challenge.hits], ["hard-to-use-framework"])

    def test_every_word_must_match_else_any_word_and_the_page_says_so(self):
        groups = self.groups("leak finding")
        self.assertEqual(([p.key for p in groups["papers"].hits], groups["papers"].loose), (["alpha"], False))
        self.assertEqual(groups["faults"].loose, True)  # no fault has "finding": faults with "leak" instead
        self.assertEqual([f.code for f in groups["faults"].hits], ["T.1-1"])
        response = self.client.get(self.url, {"q": "leak finding"})
        self.assertContains(
            response, "None has every word; these have at least one.", count=3
        )  # faults, evidence, mentions

    def test_fault_id_matches_exactly(self):
        self.assertEqual([f.code for f in self.groups("T.1-1")["faults"].hits], ["T.1-1"])

    def test_empty_query_shows_only_the_form(self):
        response = self.client.get(self.url)
        self.assertEqual(response.context["results"].groups, [])
        self.assertContains(response, '<input id="search-q" type="search" name="q" value=""')

    def test_nothing_found(self):
        response = self.client.get(self.url, {"q": "zzzzqqq"})
        self.assertContains(response, "Nothing matched.")

    def test_query_count_is_fixed(self):
        with self.assertNumQueries(12):
            self.client.get(self.url, {"q": "memory"})
        grow(self, 5)
        with self.assertNumQueries(12):
            response = self.client.get(self.url, {"q": "memory"})
        self.assertGreater(response.context["results"].total, 5)


class SubstringSearchTests(KBTestCase):
    """The SQLite fallback (also forced here on PostgreSQL, so both paths run on both databases)."""

    def test_substring_match_without_ranking(self):
        from unittest import mock

        with mock.patch.object(search, "uses_full_text", return_value=False):
            results = search.search("leak")
        self.assertFalse(results.full_text)
        groups = {g.key: g for g in results.groups}
        self.assertEqual([f.code for f in groups["faults"].hits], ["T.1-1"])
        self.assertEqual([m.tag for m in groups["mentions"].hits], ["leaky memory"])
        self.assertEqual([p.key for p in groups["papers"].hits], ["alpha"])
        with mock.patch.object(search, "uses_full_text", return_value=False):
            results = search.search("leaky")
        groups = {g.key: g for g in results.groups}
        self.assertEqual([m.tag for m in groups["mentions"].hits], ["leaky memory"])
        self.assertEqual(groups["faults"].hits, [])

    def test_query_is_trimmed_and_bounded(self):
        self.assertEqual(search.search("  a   b ").query, "a b")
        self.assertEqual(len(search.search("x" * 1000).query), search.MAX_QUERY_LENGTH)


@pytest.mark.postgres
@pytest.mark.usefixtures("postgres_only")
class FullTextSearchTests(KBTestCase):
    def test_ranked_full_text_with_stemming(self):
        make_paper("gamma", title="Something else entirely", evidence_note="It mentions leaks once.")
        make_paper("delta", title="Leaks, leaks and leaking memory everywhere")
        results = search.search("leaks")
        self.assertTrue(results.full_text)
        papers = {g.key: g for g in results.groups}["papers"]
        # Title matches (weight A) rank above an evidence-note match (weight C); "leaks" also finds "leak".
        self.assertEqual([p.key for p in papers.hits][-1], "gamma")
        self.assertEqual({p.key for p in papers.hits}, {"alpha", "gamma", "delta"})
        faults = {g.key: g for g in results.groups}["faults"]
        self.assertEqual([f.code for f in faults.hits], ["T.1-1"])

    def test_transcript_hits_get_a_safe_highlighted_excerpt(self):
        from challenges.tests.factories import make_interview

        make_interview(7, transcript="<w:t>The gradient <b>exploded</b> twice</w:t>\nthen we lowered the rate\n")
        interviews = {g.key: g for g in search.search("exploded").groups}["interviews"]
        self.assertEqual([i.number for i in interviews.hits], [7])
        snippet = interviews.hits[0].snippet
        self.assertIn("<mark>exploded</mark>", snippet)
        self.assertNotIn("<b>", snippet)
        self.assertNotIn("w:t", snippet)

    def test_page_says_results_are_ranked(self):
        response = self.client.get(reverse("search"), {"q": "memory"})
        self.assertContains(response, "ranked full-text search")


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
        with mock.patch("coverage.views.coverage.compute", side_effect=RuntimeError("boom")):
            response = self.client.get(reverse("home"))
        self.assertEqual(response.status_code, 500)
        self.assertIn(b"Something went wrong on our side", response.content)
