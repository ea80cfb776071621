"""A curator coding a paper blind sees none of its mappings and codings until they submit (``papers.blind``):
the paper page, the paper list, the fault pages, the agreement figures and every API answer that carries them;
everyone else sees them as before, and no answer that differs per user is left to a shared cache."""

import re

from django.contrib.auth.models import Group, User
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from coverage import snapshots
from coverage.models import SnapshotEntry
from kb_site.test import KBTestCase
from papers import adjudication
from papers.adjudication import CodedValues
from papers.blind import HIDDEN
from papers.models import CodedMapping, Coding, Submission
from papers.tests.factories import make_mapping, make_paper
from taxonomy.models import ReviewStatus, Strength

FIRST_RATIONALE = "alpha targets T.1-1"  # make_mapping's rationale of the world's alpha -> memory-leak mapping
E1_RATIONALE = "E1 read a leak detector"
E2_RATIONALE = "E2 read an uncovered fault"


class BlindCodingTestCase(KBTestCase):
    """alpha (explicit on the leaf T.1-1) has a pending double coding (E1: T.1-1, E2: T-1) and an open blind
    second coding asked for by ``curator`` and started by ``second``; ``third`` is another curator."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        curators = Group.objects.get(name="curators")
        cls.second = User.objects.create_user("second", "second@example.org", "second-pass-123")
        cls.third = User.objects.create_user("third", "third@example.org", "third-pass-123")
        for user in (cls.second, cls.third):
            user.groups.add(curators)
        now = timezone.now()
        cls.e1 = Coding.objects.create(paper=cls.alpha, sample="seed", round=1, coder="E1", submitted_at=now)
        CodedMapping.objects.create(coding=cls.e1, fault=cls.memory_leak, strength="explicit", rationale=E1_RATIONALE)
        cls.e2 = Coding.objects.create(paper=cls.alpha, sample="seed", round=2, coder="E2", submitted_at=now)
        CodedMapping.objects.create(coding=cls.e2, fault=cls.uncovered, strength="explicit", rationale=E2_RATIONALE)
        cls.open = adjudication.request_second_coding(cls.alpha, cls.curator)
        adjudication.start_coding(cls.open, cls.second)

    def page(self, user, url, **params):
        self.client.logout()
        if user is not None:
            self.client.force_login(user)
        return self.client.get(url, params)


class StartingTests(BlindCodingTestCase):
    def test_the_coding_is_the_starters_and_nobody_elses(self):
        coding = Coding.objects.get(pk=self.open.pk)
        self.assertEqual(coding.user, self.second)
        self.assertEqual(adjudication.coding_conflict(self.third, coding), "second is coding this paper blind already.")
        with self.assertRaisesMessage(adjudication.CodingNotAllowed, "second is coding this paper blind already."):
            adjudication.start_coding(coding, self.third)
        response = self.page(self.third, reverse("coverage:coding-create", args=[self.open.uid]))
        self.assertRedirects(response, reverse("coverage:agreement-queue"))
        queue = self.page(self.third, reverse("coverage:agreement-queue"))
        self.assertContains(queue, "second is coding it")
        self.assertContains(self.page(self.second, reverse("coverage:agreement-queue")), "Continue your blind coding")


class PagesTests(BlindCodingTestCase):
    def test_paper_page_hides_the_mappings_the_codings_and_their_history(self):
        url = self.alpha.get_absolute_url()
        shown = self.page(self.curator, url).content.decode()
        for text in (FIRST_RATIONALE, E1_RATIONALE, E2_RATIONALE, 'href="/faults/T.1-1/"', "Mapping to T.1-1"):
            self.assertIn(text, shown)
        self.assertNotIn(HIDDEN, shown)
        html = self.page(self.second, url).content.decode()
        self.assertEqual(html.count(HIDDEN), 2)  # the mappings, the double coding
        for text in (FIRST_RATIONALE, E1_RATIONALE, E2_RATIONALE, 'href="/faults/T.1-1/"', "Mapping to T.1-1"):
            self.assertNotIn(text, html)
        self.assertNotIn("termCode", html)  # the JSON-LD names no fault either
        # Anonymous readers see the mappings.
        self.assertContains(self.page(None, url), FIRST_RATIONALE)

    def test_fault_page_leaves_the_paper_out_and_its_status_follows(self):
        leaf = reverse("coverage:fault-detail", args=["T.1-1"])
        shown = self.page(self.curator, leaf).content.decode()
        self.assertIn(self.alpha.title, shown)
        self.assertIn('<span class="badge badge-addressed"', shown)
        self.assertIn("status depends on a pending adjudication", shown)
        html = self.page(self.second, leaf).content.decode()
        self.assertNotIn(self.alpha.title, html)
        self.assertIn(f"its mappings are {HIDDEN}", html)
        # alpha is the leaf's only mapping: without it the leaf is unaddressed, for this reader.
        status = html.split('id="status-title"')[1].split("</section>")[0]
        self.assertIn('<span class="badge badge-unaddressed"', status)
        self.assertNotIn("status depends on a pending adjudication", html)
        # The category above lists mappings below it: alpha's is left out there too.
        self.assertContains(self.page(self.curator, reverse("coverage:fault-detail", args=["T.1"])), self.alpha.title)
        self.assertNotContains(self.page(self.second, reverse("coverage:fault-detail", args=["T.1"])), self.alpha.title)

    def test_paper_list_says_hidden_where_the_mappings_would_be(self):
        def cell(response, key):
            return re.search(rf'<tr data-key="{key}">(.*?)</tr>', response.content.decode(), flags=re.S).group(1)

        shown = self.page(self.curator, reverse("papers:paper-list"))
        self.assertIn('href="/faults/T.1-1/"', cell(shown, "alpha"))
        response = self.page(self.second, reverse("papers:paper-list"))
        self.assertIn(HIDDEN, cell(response, "alpha"))
        self.assertNotIn('href="/faults/T.1-1/"', cell(response, "alpha"))
        self.assertIn('href="/faults/T.1/"', cell(response, "beta"))  # other papers as they are

    def test_agreement_page_leaves_the_paper_out(self):
        shown = self.page(self.curator, reverse("coverage:agreement"))
        self.assertContains(shown, E2_RATIONALE)
        self.assertNotContains(shown, HIDDEN)
        hidden = self.page(self.second, reverse("coverage:agreement"))
        self.assertNotContains(hidden, E2_RATIONALE)
        self.assertContains(hidden, HIDDEN)

    def test_filtering_papers_by_fault_does_not_find_the_paper(self):
        for url in (reverse("papers:paper-list"), reverse("api:paper-list")):
            for params in ({"fault": "T.1-1"}, {"ancestor": "T.1"}, {"strength": "explicit"}):
                shown = self.page(self.curator, url, **params)
                hidden = self.page(self.second, url, **params)
                self.assertContains(shown, self.alpha.title)
                self.assertNotContains(hidden, self.alpha.title)

    def test_the_blind_coder_may_not_adjudicate_another_sample_of_the_paper(self):
        response = self.page(self.second, reverse("coverage:adjudication-create", args=[self.e2.uid]))
        self.assertRedirects(response, reverse("coverage:agreement-queue"))
        self.assertEqual(
            self.page(self.third, reverse("coverage:adjudication-create", args=[self.e2.uid])).status_code, 200
        )

    def test_the_blind_coder_may_not_review_a_submission_about_the_paper(self):
        submission = Submission.objects.create(submitter=self.researcher, paper=self.alpha, comment="more")
        make_mapping(self.alpha, self.uncovered, status=ReviewStatus.PENDING, submission=submission)
        queue = self.page(self.curator, reverse("papers:review-queue"))
        self.assertContains(queue, '<code class="fault-id" title="Uncovered (explicit)">T-1</code>', html=True)
        self.assertEqual(
            self.page(self.curator, reverse("papers:review-detail", args=[submission.uid])).status_code, 200
        )
        queue = self.page(self.second, reverse("papers:review-queue"))
        self.assertContains(queue, HIDDEN)
        self.assertNotContains(queue, '<code class="fault-id" title="Uncovered (explicit)">T-1</code>', html=True)
        for url in (
            reverse("papers:review-detail", args=[submission.uid]),
            reverse("papers:review-edit", args=[submission.uid]),
        ):
            self.assertRedirects(self.page(self.second, url), reverse("papers:review-queue"))
        decide = self.client.post(reverse("papers:review-decide", args=[submission.uid]), {"decision": "approve"})
        self.assertRedirects(decide, reverse("papers:review-queue"))
        self.assertEqual(Submission.objects.get(pk=submission.pk).status, ReviewStatus.PENDING)

    def test_the_blind_coder_may_not_open_the_retraction_of_the_papers_mapping(self):
        retract = reverse("papers:mapping-retract", args=[self.alpha_leak.uid])
        self.assertEqual(self.page(self.curator, retract).status_code, 200)
        self.assertEqual(self.page(self.second, retract).status_code, 404)

    def test_after_submitting_everything_is_shown_again(self):
        adjudication.code_blind(
            self.open, self.second, [CodedValues(self.uncovered, Strength.PARTIAL, "abstract", "mine")]
        )
        html = self.page(self.second, self.alpha.get_absolute_url()).content.decode()
        self.assertNotIn(HIDDEN, html)
        for text in (FIRST_RATIONALE, E1_RATIONALE, E2_RATIONALE):
            self.assertIn(text, html)


class SearchTests(BlindCodingTestCase):
    def test_the_paper_is_never_found_through_its_mappings_nor_shows_them(self):
        search = reverse("search")
        # "targets" is only in alpha's mapping rationale ("alpha targets T.1-1").
        self.assertContains(self.page(self.curator, search, q="targets"), self.alpha.title)
        self.assertNotContains(self.page(self.second, search, q="targets"), self.alpha.title)
        # Found by its own title, it shows no mapping.
        shown = self.page(self.curator, search, q="Alpha").content.decode()
        self.assertIn("Mapped to: Memory leak", shown)
        hidden = self.page(self.second, search, q="Alpha").content.decode()
        self.assertIn(self.alpha.title, hidden)
        self.assertIn(HIDDEN, hidden)
        self.assertNotIn("Mapped to", hidden)
        self.assertNotIn("targets T.1-1", hidden)


class FeedTests(BlindCodingTestCase):
    def test_feeds_leave_out_the_papers_mappings(self):
        for feed in (reverse("papers:mapping-feed"), reverse("papers:mapping-feed-fault", args=["T.1-1"])):
            self.assertContains(self.page(self.curator, feed), self.alpha.title)
            self.assertContains(self.page(None, feed), self.alpha.title)
            self.assertNotContains(self.page(self.second, feed), self.alpha.title)
        self.assertContains(self.page(self.second, reverse("papers:mapping-feed")), self.beta.title)


class SnapshotTests(BlindCodingTestCase):
    def test_frozen_mappings_of_the_paper_are_left_out(self):
        snapshot = snapshots.freeze("seed")
        page = reverse("coverage:snapshot-detail", args=["seed"])
        api = reverse("api:snapshot-detail", args=["seed"])
        self.assertContains(self.page(self.curator, page), "(alpha)")
        self.assertNotContains(self.page(self.second, page), "(alpha)")
        self.assertContains(self.page(self.second, page), HIDDEN)
        self.assertEqual(
            sorted(e["paper_key"] for e in self.page(self.curator, api).json()["entries"]), ["alpha", "beta"]
        )
        self.assertEqual([e["paper_key"] for e in self.page(self.second, api).json()["entries"]], ["beta"])
        self.assertEqual(snapshot.entries.count(), 2)  # hidden, not gone

    def test_the_diff_leaves_out_the_papers_mappings(self):
        snapshots.freeze("empty")  # frozen first, then emptied: every mapping of the world is "added" since
        SnapshotEntry.objects.filter(snapshot__name="empty").delete()
        page, api = reverse("coverage:snapshot-diff"), reverse("api:snapshot-diff-list")
        params = {"before": "empty", "after": "live"}
        added = [m["paper_key"] for m in self.page(self.curator, api, **params).json()["added"]]
        self.assertEqual(sorted(added), ["alpha", "beta"])
        self.assertEqual([m["paper_key"] for m in self.page(self.second, api, **params).json()["added"]], ["beta"])
        self.assertEqual(self.page(self.curator, page, **params).context["page"].added_total, 2)
        hidden = self.page(self.second, page, **params)
        self.assertEqual([m.paper_key for m in hidden.context["page"].diff.added], ["beta"])
        self.assertEqual(hidden.context["page"].added_total, 1)
        # The curator's page, read again, is still whole (the blind coder's was never cached for others).
        self.assertEqual(self.page(self.curator, page, **params).context["page"].added_total, 2)


class APITests(BlindCodingTestCase):
    def test_paper_detail_and_list(self):
        detail = reverse("api:paper-detail", args=["alpha"])
        shown = self.page(self.curator, detail).json()
        self.assertEqual(([m["rationale"] for m in shown["mappings"]], shown["hidden"]), ([FIRST_RATIONALE], None))
        hidden = self.page(self.second, detail).json()
        self.assertEqual((hidden["mappings"], hidden["hidden"]), ([], HIDDEN))
        items = {p["key"]: p for p in self.page(self.second, reverse("api:paper-list")).json()["results"]}
        self.assertEqual(
            (items["alpha"]["mapping_count"], items["alpha"]["mappings"], items["alpha"]["hidden"]), (None, [], HIDDEN)
        )
        self.assertEqual((items["beta"]["mapping_count"], items["beta"]["hidden"]), (1, None))
        # With an API token too.
        token = Token.objects.create(user=self.second)
        self.client.logout()
        by_token = self.client.get(detail, HTTP_AUTHORIZATION=f"Token {token.key}").json()
        self.assertEqual(by_token["hidden"], HIDDEN)

    def test_mappings(self):
        listed = self.page(self.curator, reverse("api:mapping-list")).json()["results"]
        self.assertEqual(len(listed), 2)
        listed = self.page(self.second, reverse("api:mapping-list")).json()["results"]
        self.assertEqual([m["uid"] for m in listed], [str(self.beta_memory.uid)])
        detail = reverse("api:mapping-detail", args=[self.alpha_leak.uid])
        self.assertEqual(self.page(self.curator, detail).status_code, 200)
        self.assertEqual(self.page(self.second, detail).status_code, 404)

    def test_codings_and_agreement(self):
        # Everyone else sees E1 and E2 (the request's first coding is hidden from all while its second is open).
        codings = self.page(self.curator, reverse("api:coding-list")).json()
        self.assertEqual(sorted(c["coder"] for c in codings["results"]), ["E1", "E2"])
        self.assertEqual(self.page(self.second, reverse("api:coding-list")).json()["count"], 0)
        self.assertEqual(self.page(self.second, reverse("api:coding-detail", args=[self.e1.uid])).status_code, 404)
        self.assertEqual(len(self.page(self.curator, reverse("api:agreement-list")).json()["pairs"]), 1)
        self.assertEqual(self.page(self.second, reverse("api:agreement-list")).json()["pairs"], [])

    def test_dataset_export(self):
        def rows(user, label):
            return self.page(user, reverse("api:export-dataset")).json()["records"][label]

        snapshots.freeze("seed")
        self.assertEqual(
            sorted(r["fields"]["paper_key"] for r in rows(None, "coverage.snapshotentry")), ["alpha", "beta"]
        )
        self.assertEqual([r["fields"]["paper_key"] for r in rows(self.second, "coverage.snapshotentry")], ["beta"])

        self.assertEqual(
            sorted(r["fields"]["uid"] for r in rows(None, "papers.faultmapping")),
            sorted([str(self.alpha_leak.uid), str(self.beta_memory.uid)]),
        )
        self.assertEqual(sorted(r["fields"]["coder"] for r in rows(None, "papers.coding")), ["E1", "E2"])
        self.assertEqual(len(rows(None, "papers.codedmapping")), 2)
        self.assertEqual(
            [r["fields"]["uid"] for r in rows(self.second, "papers.faultmapping")], [str(self.beta_memory.uid)]
        )
        self.assertEqual(rows(self.second, "papers.coding"), [])
        self.assertEqual(rows(self.second, "papers.codedmapping"), [])


class SharedCacheTests(BlindCodingTestCase):
    def test_answers_that_differ_per_user_are_private_and_vary_on_credentials(self):
        for url in (self.alpha.get_absolute_url(), reverse("api:paper-detail", args=["alpha"])):
            for user in (None, self.second):
                response = self.page(user, url)
                vary = {v.strip() for v in response["Vary"].split(",")}
                self.assertTrue({"Cookie", "Authorization"} <= vary, (url, user, vary))
                self.assertEqual("private" in response.get("Cache-Control", ""), user is not None, (url, user))


class QueryCountTests(BlindCodingTestCase):
    # (url, anonymous, blind coder). Anonymous: the list's own queries (/papers/: count, papers, methods, mappings,
    # and the filter form's fault tree and methods; the API: count, rows, methods[, mappings]). Signed in: + the
    # session, the user and the one query for the user's open blind codings (+ 2 permission queries for the
    # page's curator links on /papers/).
    BUDGETS = [("/papers/", 6, 11), ("/api/papers/", 4, 7), ("/api/mappings/", 3, 6)]

    def test_lists_cost_the_same_whatever_the_rows(self):
        for grown in (False, True):
            if grown:
                for i in range(3):
                    paper = make_paper(f"more-{i}")
                    make_mapping(paper, self.memory_leak)
                    make_mapping(paper, self.uncovered, strength=Strength.PARTIAL)
            for url, anonymous, blind in self.BUDGETS:
                for user, queries in ((None, anonymous), (self.second, blind)):
                    self.client.logout()
                    if user is not None:
                        self.client.force_login(user)
                    with self.subTest(url=url, user=user, grown=grown), self.assertNumQueries(queries):
                        self.assertEqual(self.client.get(url).status_code, 200)
