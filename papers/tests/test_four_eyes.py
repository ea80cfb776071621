"""Four eyes: a curator's own submission is approved by another curator (web and API: one rule, papers.review)."""

from django.contrib.auth.models import User
from django.test import override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.roles import make_curator
from kb_site.test import KBTestCase
from papers import review
from papers.models import FaultMapping, Submission
from taxonomy.models import ReviewStatus

FOUR_EYES = "You submitted this yourself: another curator must approve it (four-eyes rule)."


class FourEyesTests(KBTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        make_curator(cls.curator)
        cls.other = User.objects.create_user("other", "other@example.org", "other-pass-123")
        make_curator(cls.other)

    def setUp(self):
        # The curator's own proposal: the beta paper mapped to the uncovered leaf.
        self.own = Submission.objects.create(submitter=self.curator, paper=self.beta)
        FaultMapping.objects.create(
            paper=self.beta, fault=self.uncovered, strength="explicit", rationale="r", submission=self.own
        )

    def api(self, user) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client

    def status(self) -> tuple[str, list[str]]:
        self.own.refresh_from_db()
        return self.own.status, list(self.own.mappings.values_list("status", flat=True))

    def test_the_api_refuses_the_submitters_approval_and_takes_another_curators(self):
        url = f"/api/submissions/{self.own.uid}/approve/"
        refused = self.api(self.curator).post(url, {}, format="json")
        self.assertEqual(refused.status_code, 409)
        self.assertEqual(refused.json()["detail"], review.SELF_APPROVAL_MESSAGE)
        self.assertEqual(self.status(), ("pending", ["pending"]))
        approved = self.api(self.other).post(url, {}, format="json")
        self.assertEqual((approved.status_code, approved.json()["reviewed_by"]), (200, "other"))
        self.assertEqual(self.status(), ("approved", ["approved"]))

    def test_the_submitter_may_still_reject_their_own(self):
        answer = self.api(self.curator).post(f"/api/submissions/{self.own.uid}/reject/", {"reason": "oops"})
        self.assertEqual(answer.status_code, 200)
        self.assertEqual(self.status(), ("rejected", ["rejected"]))

    def test_the_review_page_says_the_rule_and_refuses_the_approval(self):
        self.client.force_login(self.curator)
        page = self.client.get(reverse("papers:review-detail", args=[self.own.uid]))
        self.assertContains(page, FOUR_EYES)
        self.assertNotContains(page, 'value="approve"')
        decide = reverse("papers:review-decide", args=[self.own.uid])
        decided = self.client.post(decide, {"decision": "approve"}, follow=True)
        self.assertContains(decided, review.SELF_APPROVAL_MESSAGE)
        self.assertEqual(self.status(), ("pending", ["pending"]))
        # Another curator sees no such note, and the button.
        self.client.force_login(self.other)
        page = self.client.get(reverse("papers:review-detail", args=[self.own.uid]))
        self.assertNotContains(page, "four-eyes")
        self.assertContains(page, 'value="approve"')

    @override_settings(KB_ALLOW_SELF_APPROVAL=True)
    def test_a_one_person_deployment_may_approve_its_own(self):
        self.client.force_login(self.curator)
        page = self.client.get(reverse("papers:review-detail", args=[self.own.uid]))
        self.assertContains(page, "Self-approval is allowed on this deployment")
        self.assertContains(page, 'value="approve"')
        answer = self.api(self.curator).post(f"/api/submissions/{self.own.uid}/approve/", {}, format="json")
        self.assertEqual(answer.status_code, 200)
        self.assertEqual(self.status(), (ReviewStatus.APPROVED, ["approved"]))
