"""The admin is real curation UI: every changelist loads, with a query count that does not grow with rows."""

from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from challenges.tests.factories import make_artifact, make_mention
from kb_site.test import KBTestCase
from papers.tests.factories import make_mapping, make_paper
from taxonomy.tests.factories import make_fault

CHANGELISTS = [
    "taxonomy_fault",
    "taxonomy_method",
    "taxonomy_source",
    "taxonomy_reportedfigure",
    "coverage_snapshot",
    "papers_paper",
    "papers_faultmapping",
    "papers_submission",
    "papers_relatedreference",
    "challenges_artifact",
    "challenges_interview",
    "challenges_interviewmention",
    "challenges_challenge",
]


class AdminTests(KBTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.admin = User.objects.create_superuser("admin", "admin@example.org", "admin-pass-123")

    def setUp(self):
        self.client.force_login(self.admin)

    def _queries(self, name):
        with CaptureQueriesContext(connection) as ctx:
            response = self.client.get(reverse(f"admin:{name}_changelist"))
        self.assertEqual(response.status_code, 200, name)
        return len(ctx.captured_queries)

    def _grow(self):
        for i in range(5):
            fault = make_fault(f"G-{i}", parent=self.root)
            paper = make_paper(f"grow-{i}")
            make_mapping(paper, fault)
            make_artifact(fault, url=f"https://github.com/o/r/issues/{100 + i}")
            make_mention(self.interview, fault)

    def test_every_changelist_loads_without_n_plus_one(self):
        before = {name: self._queries(name) for name in CHANGELISTS}
        self._grow()
        after = {name: self._queries(name) for name in CHANGELISTS}
        self.assertEqual(before, after)

    def test_fault_search_and_autocomplete(self):
        response = self.client.get(reverse("admin:taxonomy_fault_changelist"), {"q": "leak"})
        self.assertContains(response, "T.1-1")
        response = self.client.get(
            reverse("admin:autocomplete"),
            {"app_label": "papers", "model_name": "faultmapping", "field_name": "fault", "term": "leak"},
        )
        self.assertEqual([r["text"] for r in response.json()["results"]], ["T.1-1 Memory leak"])

    def test_fault_id_is_read_only_once_saved(self):
        response = self.client.get(reverse("admin:taxonomy_fault_change", args=[self.memory_leak.pk]))
        self.assertNotContains(response, 'name="code"')
