"""Blind second coding on request, and adjudication through the submission path (service and pages)."""

from django.contrib.auth.models import Group, User
from django.test import override_settings
from django.urls import reverse

from coverage import coverage, snapshots
from kb_site.test import KBTestCase
from papers import adjudication, review
from papers.adjudication import CodedValues, CodingNotAllowed
from papers.models import Adjudication, Coding, FaultMapping, Submission
from papers.review import ReasonRequired, ReviewConflict
from taxonomy.models import ReviewStatus, Strength

FIRST_RATIONALE = "alpha targets T.1-1"  # make_mapping's rationale of the world's alpha → memory-leak mapping


class DoubleCodingTestCase(KBTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.second = User.objects.create_user("second", "second@example.org", "second-pass-123")
        cls.second.groups.add(Group.objects.get(name="curators"))

    def status(self, fault) -> coverage.Status:
        return coverage.compute(use_cache=False).row(fault.code).status

    def blind(self, values=None) -> Coding:
        open_coding = adjudication.request_second_coding(self.alpha, self.curator)
        return adjudication.code_blind(
            open_coding,
            self.second,
            values
            or [
                CodedValues(self.memory_leak, Strength.PARTIAL, "abstract", "only simulated by mutation"),
                CodedValues(self.uncovered, Strength.EXPLICIT, "artifact", "the README names it"),
            ],
        )


class SecondCodingServiceTests(DoubleCodingTestCase):
    def test_request_records_the_approved_mappings_as_the_first_coding(self):
        open_coding = adjudication.request_second_coding(self.alpha, self.curator)
        first = Coding.objects.get(paper=self.alpha, sample=adjudication.REQUEST_SAMPLE, round=1)
        self.assertEqual(
            [(m.fault, m.strength, m.rationale) for m in first.mappings.all()],
            [(self.memory_leak, Strength.EXPLICIT, FIRST_RATIONALE)],
        )
        self.assertIsNone(open_coding.submitted_at)
        self.assertEqual(open_coding.round, 2)
        with self.assertRaisesMessage(CodingNotAllowed, "asked for already"):
            adjudication.request_second_coding(self.alpha, self.curator)

    def test_the_requester_and_researchers_may_not_code_it(self):
        open_coding = adjudication.request_second_coding(self.alpha, self.curator)
        self.assertIn("another curator", adjudication.coding_conflict(self.curator, open_coding))
        self.assertIn("Only curators", adjudication.coding_conflict(self.researcher, open_coding))
        self.assertIsNone(adjudication.coding_conflict(self.second, open_coding))
        with self.assertRaises(CodingNotAllowed):
            adjudication.code_blind(open_coding, self.curator, [])
        self.assertFalse(Coding.objects.get(pk=open_coding.pk).mappings.exists())

    def test_a_submitted_coding_is_never_changed(self):
        coding = self.blind()
        with self.assertRaisesMessage(CodingNotAllowed, "never changed"):
            adjudication.code_blind(coding, self.second, [])
        self.assertEqual(coding.mappings.count(), 2)
        self.assertEqual(coding.coder, "second")
        self.assertEqual([p.key for p, _sample, _c in adjudication.pending_pairs()], ["alpha"])


class AdjudicationServiceTests(DoubleCodingTestCase):
    def test_adjudication_goes_through_retraction_and_approval(self):
        snapshot = snapshots.freeze("before")
        self.blind()
        self.assertEqual(self.status(self.memory_leak), coverage.Status.ADDRESSED)
        self.assertEqual(self.status(self.uncovered), coverage.Status.UNADDRESSED)
        final = [
            CodedValues(self.memory_leak, Strength.PARTIAL, "abstract", "only simulated by mutation"),
            CodedValues(self.uncovered, Strength.EXPLICIT, "artifact", "the README names it"),
        ]
        decision = adjudication.adjudicate(self.alpha, adjudication.REQUEST_SAMPLE, self.curator, final, "E2 is right")

        # The replaced mapping is retracted at once; the new ones wait for another curator (four eyes).
        self.alpha_leak.refresh_from_db()
        self.assertEqual(self.alpha_leak.status, ReviewStatus.RETRACTED)
        submission = decision.submission
        self.assertEqual((submission.status, submission.submitter), (ReviewStatus.PENDING, self.curator))
        self.assertEqual(self.status(self.memory_leak), coverage.Status.UNADDRESSED)
        self.assertEqual(self.status(self.uncovered), coverage.Status.UNADDRESSED)
        with self.assertRaisesMessage(ReviewConflict, "another curator must approve it"):
            review.approve(submission, self.curator)
        submission = review.approve(submission, self.second)

        # Coverage moved like an approval.
        self.assertEqual(self.status(self.memory_leak), coverage.Status.PARTIAL)
        self.assertEqual(self.status(self.uncovered), coverage.Status.ADDRESSED)
        self.assertEqual(submission.status, ReviewStatus.APPROVED)
        self.assertEqual(submission.reviewed_by, self.second)
        self.assertEqual(
            sorted((m.fault.code, m.strength, m.status) for m in submission.mappings.all()),
            [("T-1", "explicit", "approved"), ("T.1-1", "partial", "approved")],
        )
        # The history has it, with the reason.
        reasons = set(
            FaultMapping.history.filter(paper_id=self.alpha.pk).values_list("history_change_reason", flat=True)
        )
        self.assertIn("Adjudication of the double coding (curator request): E2 is right", reasons)
        self.assertTrue(Submission.history.filter(id=submission.pk, status=ReviewStatus.APPROVED).exists())
        # The snapshot diff sees it.
        diff = snapshots.diff(snapshot, None)
        self.assertEqual(
            sorted((c.code, c.before, c.after) for c in diff.status_changes),
            [("T-1", "unaddressed", "addressed"), ("T.1-1", "addressed", "partial")],
        )
        self.assertEqual(adjudication.pending_pairs(), [])

    @override_settings(KB_ALLOW_SELF_APPROVAL=True)
    def test_a_one_person_deployment_approves_the_adjudication_at_once(self):
        self.blind()
        final = [CodedValues(self.uncovered, Strength.EXPLICIT, "artifact", "the README names it")]
        decision = adjudication.adjudicate(self.alpha, adjudication.REQUEST_SAMPLE, self.curator, final, "E2 is right")
        self.assertEqual((decision.submission.status, decision.submission.reviewed_by), ("approved", self.curator))
        self.assertEqual(self.status(self.uncovered), coverage.Status.ADDRESSED)

    def test_kept_mappings_are_left_alone(self):
        self.blind()
        keep = CodedValues(self.memory_leak, Strength.EXPLICIT, self.alpha_leak.evidence_kind, FIRST_RATIONALE)
        adjudication.adjudicate(self.alpha, adjudication.REQUEST_SAMPLE, self.curator, [keep], "E1 is right")
        self.alpha_leak.refresh_from_db()
        self.assertEqual(self.alpha_leak.status, ReviewStatus.APPROVED)
        self.assertEqual(FaultMapping.objects.filter(paper=self.alpha).count(), 1)

    def test_a_reason_is_required_and_nothing_is_written_without_one(self):
        self.blind()
        with self.assertRaises(ReasonRequired):
            adjudication.adjudicate(self.alpha, adjudication.REQUEST_SAMPLE, self.curator, [], "  ")
        self.assertFalse(Adjudication.objects.exists())
        self.assertEqual(FaultMapping.objects.get(pk=self.alpha_leak.pk).status, ReviewStatus.APPROVED)

    def test_adjudicating_twice_or_before_the_second_coding_is_refused(self):
        adjudication.request_second_coding(self.alpha, self.curator)
        with self.assertRaisesMessage(ReviewConflict, "not been coded twice"):
            adjudication.adjudicate(self.alpha, adjudication.REQUEST_SAMPLE, self.curator, [], "too early")
        self.assertFalse(Submission.objects.exists())


class DoubleCodingPageTests(DoubleCodingTestCase):
    def test_roles(self):
        queue = reverse("coverage:agreement-queue")
        self.assertEqual(self.client.get(queue).status_code, 302)  # to sign in
        self.client.force_login(self.researcher)
        self.assertEqual(self.client.get(queue).status_code, 403)
        self.assertEqual(self.client.post(reverse("coverage:coding-request", args=["alpha"])).status_code, 403)
        self.assertFalse(Coding.objects.exists())

    def test_blind_form_hides_the_first_coding_and_rejects_an_unknown_fault(self):
        open_coding = adjudication.request_second_coding(self.alpha, self.curator)
        url = reverse("coverage:coding-create", args=[open_coding.uid])
        self.client.force_login(self.second)
        # The form opens once the coding is started ("Code it blind"), which makes it this curator's.
        self.assertRedirects(self.client.get(url), reverse("coverage:agreement-queue"))
        self.assertRedirects(self.client.post(reverse("coverage:coding-start", args=[open_coding.uid])), url)
        self.assertEqual(Coding.objects.get(pk=open_coding.pk).user, self.second)
        response = self.client.get(url)
        self.assertContains(response, self.alpha.title)
        self.assertNotContains(response, FIRST_RATIONALE)
        self.assertNotContains(response, "T.1-1</option>".replace("T.1-1", "zzz"))
        data = {
            "mappings-TOTAL_FORMS": "3",
            "mappings-INITIAL_FORMS": "0",
            "mappings-0-fault": "NOPE",
            "mappings-0-strength": "explicit",
            "mappings-0-evidence_kind": "abstract",
            "mappings-0-rationale": "x",
        }
        for i in (1, 2):
            data |= {f"mappings-{i}-fault": "", f"mappings-{i}-strength": "", f"mappings-{i}-evidence_kind": "abstract"}
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "Unknown fault id “NOPE”", status_code=400)
        self.assertIsNone(Coding.objects.get(pk=open_coding.pk).submitted_at)
        # The requester is sent back to the queue.
        self.client.force_login(self.curator)
        self.assertRedirects(self.client.get(url), reverse("coverage:agreement-queue"))

    def test_queue_query_count_does_not_grow(self):
        self.client.force_login(self.curator)
        queue = reverse("coverage:agreement-queue")
        self.client.get(queue)  # session warm-up
        with self.assertNumQueries(7):  # session, user, 2 permissions, 2 for the pending pairs, open codings
            self.client.get(queue)
        self.blind()
        adjudication.request_second_coding(self.beta, self.curator)
        with self.assertNumQueries(7):
            response = self.client.get(queue)
        self.assertEqual(len(response.context["pending"]), 1)
        self.assertEqual(len(response.context["open_codings"]), 1)
