from django.db import IntegrityError, transaction

from kb_site.test import KBTestCase
from papers.models import FaultMapping, Paper, normalise_title
from papers.tests.factories import make_mapping, make_paper
from taxonomy.models import ReviewStatus


class PaperModelTests(KBTestCase):
    def test_normalised_title_ignores_case_accents_and_punctuation(self):
        self.assertEqual(
            normalise_title("DeepXplore: Automated {W}hitebox Testing — of DL!"),
            "deepxplore automated whitebox testing of dl",
        )
        self.assertEqual(normalise_title("Équivalence"), "equivalence")
        paper = make_paper("norm", title="A Study, of Things")
        self.assertEqual(paper.title_normalised, "a study of things")

    def test_empty_identifiers_are_stored_as_null_and_do_not_collide(self):
        first = make_paper("no-ids-1", doi="", arxiv_id="  ")
        second = make_paper("no-ids-2", doi="", arxiv_id="")
        first.refresh_from_db()
        self.assertIsNone(first.doi)
        self.assertIsNone(first.arxiv_id)
        self.assertIsNone(Paper.objects.get(pk=second.pk).doi)

    def test_duplicate_doi_is_refused_by_the_database(self):
        make_paper("doi-1", doi="10.1145/1234567.1234568")
        with self.assertRaises(IntegrityError), transaction.atomic():
            make_paper("doi-2", doi="10.1145/1234567.1234568")

    def test_duplicate_arxiv_id_is_refused_by_the_database(self):
        make_paper("ax-1", arxiv_id="2503.03158")
        with self.assertRaises(IntegrityError), transaction.atomic():
            make_paper("ax-2", arxiv_id="2503.03158")

    def test_one_live_mapping_per_paper_and_fault(self):
        with self.assertRaises(IntegrityError), transaction.atomic():
            make_mapping(self.alpha, self.memory_leak, status=ReviewStatus.PENDING)

    def test_rejected_mapping_does_not_block_a_new_proposal(self):
        gamma = make_paper("gamma")
        make_mapping(gamma, self.uncovered, status=ReviewStatus.REJECTED)
        make_mapping(gamma, self.uncovered, status=ReviewStatus.PENDING)
        self.assertEqual(FaultMapping.objects.filter(paper=gamma, fault=self.uncovered).count(), 2)

    def test_public_hides_pending_papers(self):
        make_paper("pending-paper", status=ReviewStatus.PENDING)
        self.assertEqual(sorted(Paper.objects.public().values_list("key", flat=True)), ["alpha", "beta"])

    def test_natural_keys_and_urls(self):
        self.assertEqual(Paper.objects.get_by_natural_key("alpha"), self.alpha)
        self.assertEqual(FaultMapping.objects.get_by_natural_key(self.alpha_leak.uid), self.alpha_leak)
        self.assertEqual(self.alpha.get_absolute_url(), "/papers/alpha/")
        self.assertEqual(str(self.alpha), "Alpha: finding memory leaks (2021)")

    def test_link_prefers_doi_then_arxiv(self):
        paper = make_paper("linked", doi="10.1/x", arxiv_id="2101.00001")
        self.assertEqual(paper.link, "https://doi.org/10.1/x")
        paper.doi = None
        self.assertEqual(paper.link, "https://arxiv.org/abs/2101.00001")

    def test_for_list_does_not_grow_with_rows(self):
        with self.assertNumQueries(3):
            papers = list(Paper.objects.for_list())
            for paper in papers:
                [m.fault.code for m in paper.approved_mappings]
                [m.code for m in paper.methods.all()]
        self.assertEqual([p.key for p in papers], ["beta", "alpha"])
        self.assertEqual({p.key: p.mapping_count for p in papers}, {"alpha": 1, "beta": 1})
