"""A submission's API PUT is conditional: GET gives its ETag (the version), PUT must send it back in If-Match."""

from django.urls import reverse
from rest_framework.test import APIClient

from papers.models import Submission
from papers.tests.test_curator_edit import CuratorEditTestCase, snapshot
from papers.tests.test_submissions import api_data, mapping, new_paper


class ConditionalPutTests(CuratorEditTestCase):
    def setUp(self):
        super().setUp()
        self.api = APIClient()
        self.api.force_authenticate(self.curator)
        self.url = reverse("api:submission-detail", args=[self.submission.uid])
        self.body = api_data(paper=new_paper(), mappings=[mapping("T-1", strength="partial"), mapping("T.1")])

    def put(self, **headers):
        return self.api.put(self.url, self.body, format="json", **headers)

    def test_get_answers_the_version_as_etag(self):
        version = Submission.objects.get(pk=self.submission.pk).version
        self.assertEqual(self.api.get(self.url)["ETag"], f'"{version}"')

    def test_without_if_match_428_with_a_stale_one_412_nothing_written(self):
        before = snapshot(self.submission)
        stale = self.api.get(self.url)["ETag"]
        missing = self.put()
        self.assertEqual(missing.status_code, 428)
        self.assertEqual(
            missing.json()["detail"],
            "Send If-Match with the submission's ETag (from GET), so an edit never overwrites another.",
        )
        self.assertEqual(snapshot(self.submission), before)
        # Someone saves the submission meanwhile (the submitter's comment, say): the ETag read before is stale.
        Submission.objects.get(pk=self.submission.pk).save()
        changed = snapshot(self.submission)
        refused = self.put(HTTP_IF_MATCH=stale)
        self.assertEqual(refused.status_code, 412)
        self.assertEqual(snapshot(self.submission), changed)

    def test_with_the_current_etag_200_and_the_new_etag(self):
        current = self.api.get(self.url)["ETag"]
        answer = self.put(HTTP_IF_MATCH=current)
        self.assertEqual(answer.status_code, 200, answer.content)
        self.assertEqual({m["fault"]: m["strength"] for m in answer.json()["mappings"]}["T-1"], "partial")
        new = answer["ETag"]
        self.assertNotEqual(new, current)
        self.assertEqual(new, f'"{Submission.objects.get(pk=self.submission.pk).version}"')
        # The ETag just used is stale now.
        self.assertEqual(self.put(HTTP_IF_MATCH=current).status_code, 412)
