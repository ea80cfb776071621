from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import TestCase, override_settings
from django.urls import reverse

from challenges.tests.factories import make_artifact, make_interview
from kb_site.test import KBTestCase
from kb_site.tests.world import grow
from papers.tests.factories import make_mapping, make_paper
from search import engine, index
from search.models import IndexChange, SearchDocument
from search.spelling import normalise, query_words, snippet
from search.tests.relevance import QUERIES
from taxonomy.models import Fault
from taxonomy.tests.factories import make_fault

URL = reverse("search")


def keys(results) -> list[str]:
    return [f"{hit.document.kind}:{hit.document.key}" for hit in results.hits]


class SpellingTests(TestCase):
    def test_british_and_american_spellings_fold_together(self):
        pairs = [
            ("optimisation", "optimization"),
            ("optimiser", "optimizer"),
            ("normalisation", "normalization"),
            ("behaviour", "behavior"),
            ("modelling", "modeling"),
            ("analysed", "analyzed"),
            ("centre", "center"),
            ("catalogue", "catalog"),
            ("artefact", "artifact"),
            ("labelled", "labeled"),
        ]
        for british, american in pairs:
            with self.subTest(british):
                self.assertEqual(normalise(british), american)
        self.assertEqual(normalise("your four hours"), "your four hours")

    def test_query_words_drop_stop_words_and_repeats(self):
        self.assertEqual(query_words("Why is the Optimiser, the optimizer, slow?"), ["optimizer", "slow"])

    def test_snippet_marks_every_form_of_the_words_and_escapes(self):
        text = "<b>Tuning</b> rates: the optimiser diverged because learning rates were accurate guesses."
        self.assertEqual(
            snippet(text, query_words("optimizer rate")),
            "&lt;b&gt;Tuning&lt;/b&gt; <mark>rates</mark>: the <mark>optimiser</mark> diverged because learning "
            "<mark>rates</mark> were accurate guesses.",
        )
        self.assertEqual(snippet(text, ["gradient"]), "")


class SearchTests(KBTestCase):
    def search(self, q, status=200):
        response = self.client.get(URL, {"q": q})
        self.assertEqual(response.status_code, status)
        return response

    def test_one_ranked_list_fault_first_with_status_and_snippets(self):
        response = self.search("memory leak")
        results = response.context["results"]
        # The fault named by both words first; then the paper (title + mapped fault), evidence and mention.
        self.assertEqual(keys(results)[0], "fault:T.1-1")
        self.assertEqual(
            set(keys(results)),
            {
                "fault:T.1-1",
                "fault:T.1",
                "paper:alpha",
                "paper:beta",
                f"artifact:{self.issue.pk}",
                f"artifact:{self.post.pk}",
                f"mention:{self.mention.pk}",
                "challenge:hard-to-use-framework",
            },
        )
        self.assertEqual(results.hits[0].status.value, "addressed")
        self.assertContains(response, '<span class="badge badge-addressed">Addressed</span>', count=1)
        for hit in results.hits:
            with self.subTest(hit.document.key):
                self.assertIn("<mark>", hit.snippet)

    def test_whole_words_only(self):
        make_paper("gamma", title="Accurate rates of convergence")
        results = self.search("rate").context["results"]
        self.assertEqual(keys(results), ["paper:gamma"])
        self.assertEqual(keys(self.search("accura").context["results"]), [])

    def test_stemming_and_spelling_variants_match(self):
        make_paper("gamma", title="Optimizers that normalize gradients")
        for query in ("optimiser normalisation", "optimizer normalizing", "Optimisers"):
            with self.subTest(query):
                self.assertEqual(keys(self.search(query).context["results"]), ["paper:gamma"])

    def test_paper_found_through_the_fault_it_maps_to_and_its_evidence(self):
        paper = make_paper("gamma", title="A tool", evidence_note="Watches tensors.")
        make_mapping(paper, self.uncovered, rationale="It flags exploding activations.")
        self.assertEqual(keys(self.search("uncovered").context["results"])[:2], ["fault:T-1", "paper:gamma"])
        self.assertEqual(keys(self.search("exploding").context["results"]), ["paper:gamma"])
        self.assertEqual(keys(self.search("watches").context["results"]), ["paper:gamma"])

    def test_fault_id_typed_exactly_comes_first(self):
        self.assertEqual(keys(self.search("t.1-1").context["results"])[0], "fault:T.1-1")

    def test_transcripts_match_with_a_safe_excerpt(self):
        make_interview(7, transcript="<w:t>The gradient <b>exploded</b> twice</w:t>\nthen we lowered the rate\n")
        results = self.search("exploded").context["results"]
        self.assertEqual(keys(results), ["interview:7"])
        self.assertEqual(results.hits[0].snippet, "The gradient <mark>exploded</mark> twice then we lowered the rate")

    def test_empty_query_shows_only_the_form(self):
        response = self.search("")
        self.assertEqual(response.context["results"].hits, [])
        self.assertNotContains(response, 'class="results')
        self.assertContains(response, 'id="search-q"')

    def test_nothing_found(self):
        self.assertContains(self.search("zzzzqqq"), "Nothing matched.")

    def test_too_long_or_too_many_words_is_a_form_error(self):
        response = self.search("x" * 201, status=400)  # the default KB_SEARCH_MAX_LENGTH is 200
        self.assertContains(response, 'class="error-summary"', status_code=400)
        response = self.search(" ".join(["leak"] * 13), status=400)  # the default KB_SEARCH_MAX_WORDS is 12
        self.assertContains(response, "Search for at most 12 words (this is 13).", status_code=400)
        self.search(" ".join(["leak"] * 12))

    def test_query_count_is_fixed(self):
        self.search("memory")  # builds the index
        # exists-check, exact id, scores and words matched (two FTS5 queries on SQLite, one on PostgreSQL),
        # documents; then the coverage figures for the fault badges (tree, 2 mapping set, 3 evidence).
        queries = (5 if connection.vendor == "sqlite" else 4) + 6
        with self.assertNumQueries(queries):
            self.search("memory")
        grow(self, 5)
        self.search("memory")
        with self.assertNumQueries(queries):
            response = self.search("memory")
        self.assertEqual(response.context["results"].total, 8 + 5)  # the 5 grown leaves sit under Memory


class IndexSyncTests(KBTestCase):
    def test_every_kind_of_write_marks_the_index_stale_and_search_rebuilds_it(self):
        index.rebuild()
        self.assertFalse(index.is_stale())
        make_fault("T-2", name="Quantisation drift", parent=self.root)
        self.assertTrue(index.is_stale())
        self.assertEqual(keys(engine.search("quantization drift")), ["fault:T-2"])
        self.assertFalse(index.is_stale())
        # A bulk update sends no signal; the trigger still sees it.
        Fault.objects.filter(code="T-2").update(name="Calibration drift")
        self.assertTrue(index.is_stale())
        self.assertEqual(keys(engine.search("quantization")), [])
        self.assertEqual(keys(engine.search("calibration")), ["fault:T-2"])
        make_artifact(None, url="https://github.com/o/r/issues/9", final_tag="calibration off by one")
        self.assertEqual(len(engine.search("calibration").hits), 2)

    @override_settings(KB_COVERAGE_CACHE=True)
    def test_a_cached_result_follows_every_write_even_without_signals(self):
        cache.clear()
        make_fault("T-2", name="Quantisation drift", parent=self.root)
        self.assertEqual(keys(engine.search("quantization drift")), ["fault:T-2"])
        with self.assertNumQueries(2):  # is the index stale; its state (the highest document id)
            self.assertEqual(keys(engine.search("quantization drift")), ["fault:T-2"])
        self.assertEqual(keys(engine.search("quantization")), ["fault:T-2"])
        Fault.objects.filter(code="T-2").update(name="Calibration drift")  # no signal, no new data version
        self.assertEqual(keys(engine.search("quantization")), [])
        self.assertEqual(keys(engine.search("calibration drift")), ["fault:T-2"])

    def test_rebuild_writes_one_document_per_record(self):
        self.assertEqual(
            index.rebuild(), 4 + 2 + 3 + 1 + 1 + 1
        )  # faults, papers, artefacts, mention, challenge, interview
        self.assertEqual(SearchDocument.objects.filter(kind="fault").count(), 4)
        self.assertEqual(IndexChange.objects.count(), 0)


class LargeIndexTests(KBTestCase):
    """A search rebuilds a stale index only up to KB_SEARCH_INLINE_REBUILD_MAX documents (at the benchmark's scale
    a rebuild takes minutes); a larger one answers as it is, says so, and waits for ``manage.py search_index``."""

    def search_index(self, *args) -> str:
        out = StringIO()
        call_command("search_index", *args, stdout=out)
        return out.getvalue().strip()

    def test_a_search_answers_from_a_large_stale_index_and_the_command_rebuilds_it(self):
        self.assertEqual(index.rebuild(), 12)  # the world's records, as counted in IndexSyncTests
        make_fault("T-2", name="Quantisation drift", parent=self.root)
        with self.settings(KB_SEARCH_INLINE_REBUILD_MAX=11):
            results = engine.search("quantization drift")
            self.assertEqual((keys(results), results.stale), ([], True))
            self.assertContains(self.client.get(URL, {"q": "quantization drift"}), "not in the search index yet")
            self.assertTrue(self.search_index("--if-stale").startswith("Search index rebuilt: 13 documents in "))
            results = engine.search("quantization drift")
            self.assertEqual((keys(results), results.stale), (["fault:T-2"], False))
            self.assertNotContains(self.client.get(URL, {"q": "quantization drift"}), "not in the search index yet")
            self.assertEqual(self.search_index("--if-stale"), "Search index up to date.")
        make_fault("T-3", name="Gradient clipping off", parent=self.root)
        with self.settings(KB_SEARCH_INLINE_REBUILD_MAX=13):  # 13 documents: within the limit, rebuilt inline
            results = engine.search("gradient clipping")
            self.assertEqual((keys(results)[:1], results.stale), (["fault:T-3"], False))
        self.assertEqual(SearchDocument.objects.count(), 14)

    def test_an_index_never_built_is_judged_by_the_rows_it_would_hold(self):
        self.assertEqual(SearchDocument.objects.count(), 0)
        with self.settings(KB_SEARCH_INLINE_REBUILD_MAX=3):  # the world has 4 faults
            results = engine.search("memory leak")
            self.assertEqual((results.hits, results.stale), ([], True))
        self.assertEqual(SearchDocument.objects.count(), 0)
        self.assertEqual(keys(engine.search("memory leak"))[:1], ["fault:T.1-1"])  # default limit: rebuilt inline


class RelevanceTests(TestCase):
    """success@5 of the practitioner query set on the shipped data (run on SQLite and on PostgreSQL)."""

    fixtures = ["taxonomy", "papers", "challenges"]

    def test_success_at_5(self):
        self.assertGreaterEqual(len(QUERIES), 30)
        misses = []
        for query, expected in QUERIES:
            top = keys(engine.search(query, limit=5))
            if not expected & set(top):
                misses.append((query, top))
        success = 1 - len(misses) / len(QUERIES)
        print(f"\nsearch success@5 on {connection.vendor}: {success:.3f} ({len(QUERIES) - len(misses)}/{len(QUERIES)})")
        for query, top in misses:
            print(f"  missed: {query!r} -> {top}")
        self.assertGreaterEqual(success, 0.9, misses)


@pytest.mark.postgres
@pytest.mark.usefixtures("postgres_only")
class PostgresIndexTests(KBTestCase):
    def test_vector_is_stored_and_weighted(self):
        index.rebuild()
        self.assertEqual(SearchDocument.objects.filter(vector__isnull=True).count(), 0)
        vector = SearchDocument.objects.get(kind="fault", key="T.1-1").vector
        self.assertIn("'leak':2A", vector)
