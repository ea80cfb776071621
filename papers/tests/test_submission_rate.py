"""The API's submission limit counts accepted submissions only: invalid attempts never lock a researcher out."""

import datetime

from django.conf import settings
from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from kb_site.test import KBTestCase
from papers.models import Submission

TWO_PER_HOUR = {
    **settings.REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "submissions": "2/hour"},
}


def body(fault: str, rationale: str = "The abstract says the tool finds this fault.") -> dict:
    mapping = {
        "fault": fault,
        "strength": "explicit",
        "methods": ["M-T"],
        "phases": ["detection"],
        "targets": ["DL program"],
    }
    return {"paper_key": "alpha", "mappings": [mapping | {"rationale": rationale, "evidence_kind": "abstract"}]}


@override_settings(REST_FRAMEWORK=TWO_PER_HOUR)
class AcceptedSubmissionLimitTests(KBTestCase):
    def setUp(self):
        cache.clear()  # the API's other throttles
        self.api = APIClient()
        self.api.force_authenticate(self.researcher)

    def send(self, data):
        return self.api.post("/api/submissions/", data, format="json")

    def test_invalid_attempts_are_not_counted(self):
        # Thirty invalid requests (an unknown fault, a missing rationale): each a 400, none counted.
        for n in range(30):
            answer = self.send(body("T-999") if n % 2 else body("T-1", rationale=""))
            self.assertEqual(answer.status_code, 400)
        self.assertEqual(self.send(body("T-1")).status_code, 201)
        self.assertEqual(self.send(body("T.1")).status_code, 201)
        # The third accepted one is over the limit of two per hour.
        refused = self.send(body("T"))
        self.assertEqual(refused.status_code, 429)
        self.assertEqual(
            refused.json(), {"detail": "You have reached the limit of 2 submissions per hour; please try again later."}
        )
        self.assertEqual(Submission.objects.filter(submitter=self.researcher).count(), 2)

    def test_retry_after_is_when_the_oldest_accepted_submission_leaves_the_window(self):
        self.assertEqual(self.send(body("T-1")).status_code, 201)
        self.assertEqual(self.send(body("T.1")).status_code, 201)
        now = timezone.now()
        Submission.objects.filter(mappings__fault__code="T-1").update(created_at=now - datetime.timedelta(minutes=50))
        refused = self.send(body("T"))
        self.assertEqual(refused.status_code, 429)
        # 60 minutes of window minus the 50 since the oldest: 600 seconds (a second more for the request's time).
        self.assertIn(int(refused["Retry-After"]), (599, 600))
