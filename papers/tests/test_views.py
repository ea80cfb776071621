import re

from django.core.cache import caches
from django.test import override_settings
from django.urls import reverse

from kb_site.test import KBTestCase
from kb_site.tests.world import grow
from papers.bibtex import paper_to_bibtex
from papers.models import Paper, RelatedReference
from papers.tests.factories import make_mapping, make_paper
from taxonomy.models import Fault, Phase, ReviewStatus, Strength
from taxonomy.tests.factories import make_fault


def listed_keys(response) -> list[str]:
    return re.findall(r'<tr data-key="([^"]+)">', response.content.decode())


class PaperListTests(KBTestCase):
    url = reverse("papers:paper-list")

    def keys(self, **params):
        response = self.client.get(self.url, params)
        self.assertEqual(response.status_code, 200)
        return listed_keys(response)

    def test_lists_public_papers_newest_first_with_their_faults(self):
        make_paper("pending", status=ReviewStatus.PENDING, title="Pending paper")
        response = self.client.get(self.url)
        self.assertEqual(listed_keys(response), ["beta", "alpha"])
        self.assertNotContains(response, "Pending paper")
        self.assertContains(response, "2 papers.")
        self.assertContains(response, 'href="/faults/T.1-1/"')
        self.assertContains(response, '<span class="badge badge-explicit">explicit</span>')

    def test_free_text(self):
        self.assertEqual(self.keys(q="finding memory"), ["alpha"])
        self.assertEqual(self.keys(q="Lovelace"), ["beta", "alpha"])  # authors
        self.assertEqual(self.keys(q="nothing like this"), [])

    def test_year_range(self):
        self.assertEqual(self.keys(year_min=2022), ["beta"])
        self.assertEqual(self.keys(year_max=2022), ["alpha"])
        self.assertEqual(self.keys(year_min=2021, year_max=2023), ["beta", "alpha"])

    def test_method_top_level_matches_its_subtypes(self):
        self.assertEqual(self.keys(method="M-T"), ["beta", "alpha"])
        self.assertEqual(self.keys(method="M-T-GEN"), ["alpha"])

    def test_phase_strength_and_origin(self):
        make_paper("gamma", year=2020, origin=Paper.Origin.SURVEY, phases=[Phase.FIXING])
        make_mapping(Paper.objects.get(key="gamma"), self.uncovered, phases=[Phase.FIXING], strength=Strength.PARTIAL)
        Paper.objects.filter(key="alpha").update(phases=[Phase.DETECTION])
        self.assertEqual(self.keys(phase="detection"), ["alpha"])
        self.assertEqual(self.keys(phase="fixing"), ["gamma"])
        self.assertEqual(self.keys(strength="partial"), ["beta", "gamma"])
        self.assertEqual(self.keys(strength="explicit"), ["alpha"])
        self.assertEqual(self.keys(origin="survey-reference-list"), ["gamma"])

    def test_fault_and_anything_under_a_category(self):
        self.assertEqual(self.keys(fault="T.1-1"), ["alpha"])
        self.assertEqual(self.keys(fault="T.1"), ["beta"])
        self.assertEqual(self.keys(ancestor="T.1"), ["beta", "alpha"])
        self.assertEqual(self.keys(ancestor="T-1"), [])

    def test_rejected_mappings_do_not_make_a_paper_match(self):
        make_mapping(self.beta, self.uncovered, status=ReviewStatus.REJECTED)
        self.assertEqual(self.keys(fault="T-1"), [])

    def test_sortable_by_title_year_and_mappings(self):
        make_mapping(self.alpha, self.uncovered)
        self.assertEqual(self.keys(ordering="title"), ["alpha", "beta"])
        self.assertEqual(self.keys(ordering="-title"), ["beta", "alpha"])
        self.assertEqual(self.keys(ordering="year"), ["alpha", "beta"])
        self.assertEqual(self.keys(ordering="-mappings"), ["alpha", "beta"])

    def test_column_headers_toggle_the_sort(self):
        html = self.client.get(self.url, {"ordering": "title", "year_min": 2000}).content.decode()
        self.assertIn('href="?ordering=-title&amp;year_min=2000"', html)
        self.assertIn('href="?ordering=-year&amp;year_min=2000"', html)

    def test_paginated_keeping_the_filters(self):
        for i in range(30):
            make_paper(f"p{i:02d}", title=f"Paper {i:02d}", year=2000)
        first = self.client.get(self.url, {"year_max": 2000, "ordering": "title"})
        self.assertEqual(len(listed_keys(first)), 25)
        self.assertContains(first, "Page 1 of 2")
        self.assertContains(first, 'href="?year_max=2000&amp;ordering=title&amp;page=2"')
        second = self.client.get(self.url, {"year_max": 2000, "ordering": "title", "page": 2})
        self.assertEqual(listed_keys(second), [f"p{i:02d}" for i in range(25, 30)])

    def test_invalid_filter_values_are_form_errors_not_500(self):
        for params in ({"year_min": "abc"}, {"fault": "NOPE"}, {"method": "M-X"}, {"phase": "x"}, {"ordering": "x"}):
            with self.subTest(params=params):
                response = self.client.get(self.url, params)
                self.assertEqual(response.status_code, 200)
                self.assertTrue(response.context["filter"].form.errors)
                self.assertContains(response, 'class="errorlist')
                self.assertEqual(listed_keys(response), [])

    def test_form_selects_render_without_queries_and_with_tree_labels(self):
        html = self.client.get(self.url).content.decode()
        self.assertIn('<option value="T.1">\u2003T.1 Memory</option>', html)
        self.assertIn('<option value="M-T-GEN">\u2003Fuzzing</option>', html)

    def test_query_count_does_not_grow_with_the_data(self):
        with self.assertNumQueries(6):
            self.client.get(self.url)
        grow(self, 6)
        with self.assertNumQueries(6):
            response = self.client.get(self.url)
        self.assertEqual(len(listed_keys(response)), 8)

    def test_query_count_with_filters_is_fixed(self):
        params = {"ancestor": "T", "method": "M-T", "year_min": 2000}
        # + the tree for the fault selects, the method list, 2 lookups of the given codes, the method ids, the
        #   subtree's tree
        with self.assertNumQueries(10):
            self.client.get(self.url, params)
        grow(self, 6)
        with self.assertNumQueries(10):
            self.client.get(self.url, params)


class PaperDetailTests(KBTestCase):
    def get(self, paper):
        return self.client.get(reverse("papers:paper-detail", args=[paper.key]))

    def test_shows_mappings_with_evidence_and_provenance(self):
        self.alpha_leak.evidence_note = "Names memory leaks in the abstract."
        self.alpha_leak.quote = "we find memory leaks"
        self.alpha_leak.quote_locator = "abstract, sentence 2"
        self.alpha_leak.save()
        Paper.objects.filter(pk=self.alpha.pk).update(
            abstract_source_url="https://example.org/alpha", abstract_read=True, doi="10.1234/alpha"
        )
        response = self.get(self.alpha)
        self.assertContains(response, "<h1>Alpha: finding memory leaks</h1>")
        self.assertContains(response, f'id="mapping-{self.alpha_leak.uid}"')
        self.assertContains(response, "Names memory leaks in the abstract.")
        self.assertContains(response, "“we find memory leaks” <cite>(abstract, sentence 2)</cite>")
        self.assertContains(response, "Source: the paper&#x27;s abstract")
        self.assertContains(response, 'href="https://example.org/alpha"')
        self.assertContains(response, 'href="https://doi.org/10.1234/alpha"')
        self.assertContains(response, "not the survey’s")

    def test_bibtex_snippet(self):
        response = self.get(self.alpha)
        self.assertEqual(response.context["bibtex"], paper_to_bibtex(self.alpha))
        self.assertContains(response, '<pre class="bibtex" id="bibtex">@')
        self.assertContains(response, "title = {{Alpha: finding memory leaks}}")

    def test_pending_and_rejected_mappings_are_not_shown(self):
        make_mapping(self.alpha, self.uncovered, status=ReviewStatus.PENDING)
        response = self.get(self.alpha)
        self.assertEqual([m.fault.code for m in response.context["paper"].approved_mappings], ["T.1-1"])
        self.assertNotContains(response, 'href="/faults/T-1/"')

    def test_category_mapping_is_labelled_as_such(self):
        self.assertContains(self.get(self.beta), "category as a whole")

    def test_unpublished_paper_is_404(self):
        pending = make_paper("pending", status=ReviewStatus.PENDING)
        self.assertEqual(self.get(pending).status_code, 404)
        self.assertEqual(self.client.get("/papers/no-such-paper/").status_code, 404)

    def test_query_count_does_not_grow_with_the_data(self):
        with self.assertNumQueries(7):  # 4 + 2 for the change history + 1 for the double codings
            self.get(self.alpha)
        for i in range(5):
            make_mapping(self.alpha, self.uncovered if i == 0 else self.memory, status=ReviewStatus.REJECTED)
        grow(self, 3)
        for fault in (self.uncovered, self.root):
            make_mapping(self.alpha, fault, methods=[self.fuzzing, self.testing])
        with self.assertNumQueries(7):
            response = self.get(self.alpha)
        self.assertEqual(len(response.context["paper"].approved_mappings), 3)


class RelatedListTests(KBTestCase):
    url = reverse("papers:related-list")

    def test_lists_references_with_their_reason(self):
        RelatedReference.objects.create(title="A survey of things", year=2019, reason="A survey, no technique.")
        response = self.client.get(self.url)
        self.assertContains(response, "A survey of things")
        self.assertContains(response, "A survey, no technique.")
        self.assertContains(response, "1 reference.")

    def test_query_count_does_not_grow_with_the_data(self):
        with self.assertNumQueries(1):
            self.client.get(self.url)
        for i in range(5):
            RelatedReference.objects.create(title=f"Ref {i}", reason="background", source=self.survey)
        with self.assertNumQueries(1):
            self.client.get(self.url)


#
# The submission form's fault picker
#


class FaultPickerTests(KBTestCase):
    url = reverse("papers:submission-create")

    def setUp(self):
        self.client.force_login(self.researcher)

    def options(self, html: str, name: str = "mappings-0-fault") -> list[tuple[str, str]]:
        select = re.search(rf'<select name="{name}".*?</select>', html, re.S).group(0)
        return re.findall(r'<option value="([^"]*)"(?: selected)?>([^<]*)</option>', select)

    def test_every_fault_is_offered_with_its_id_name_and_coverage_status(self):
        make_mapping(make_paper("gamma"), make_fault("T-2", name="Half done", parent=self.root), strength="partial")
        html = self.client.get(self.url).content.decode()
        # The world by hand (kb_site/test.py): memory-leak has an explicit mapping, uncovered none, T-2 a partial.
        self.assertEqual(
            self.options(html),
            [
                ("", "Choose a fault"),
                ("T", "T Root — category"),
                ("T.1", "T.1 Memory — category"),
                ("T.1-1", "T.1-1 Memory leak — addressed"),
                ("T-1", "T-1 Uncovered — unaddressed"),
                ("T-2", "T-2 Half done — partially addressed"),
            ],
        )
        # The search box (shown by static/js/fault_picker.js) controls the select, the same for a mapping added later.
        self.assertIn(
            '<input type="search" class="fault-search" id="id_mappings-0-fault-search" '
            'aria-controls="id_mappings-0-fault"',
            html,
        )
        self.assertEqual(len(self.options(html, "mappings-__prefix__-fault")), 6)
        self.assertIn('src="/static/js/fault_picker.js"', html)
        self.assertNotIn("<datalist", html)

    def test_statuses_from_the_coverage_cache_are_fresh_after_an_approval(self):
        caches["default"].clear()
        with override_settings(KB_COVERAGE_CACHE=True):
            with self.captureOnCommitCallbacks(execute=True):
                mapping = make_mapping(make_paper("zeta"), self.uncovered, status=ReviewStatus.PENDING)
            self.assertIn(
                ("T-1", "T-1 Uncovered — unaddressed"), self.options(self.client.get(self.url).content.decode())
            )
            with self.captureOnCommitCallbacks(execute=True):
                mapping.status = ReviewStatus.APPROVED
                mapping.save()
            self.assertIn(
                ("T-1", "T-1 Uncovered — addressed"), self.options(self.client.get(self.url).content.decode())
            )

    def test_a_fault_in_the_address_is_chosen(self):
        html = self.client.get(self.url, {"fault": "T-1"}).content.decode()
        self.assertIn('<option value="T-1" selected>T-1 Uncovered — unaddressed</option>', html)

    def test_query_count_does_not_grow_with_the_taxonomy(self):
        # Session and user (2), the engine's 6 for the statuses, the vocabulary's faults and methods (2), the
        # user's permissions for the menu (2).
        with self.assertNumQueries(QUERIES := 12):
            self.client.get(self.url)
        for n in range(20):
            make_fault(f"T-{n + 10}", name=f"Grown {n}", parent=self.memory)
        grow(self, 3)
        with self.assertNumQueries(QUERIES):
            html = self.client.get(self.url).content.decode()
        self.assertEqual(len(self.options(html)), 1 + Fault.objects.count())
