"""Every write URL (web forms, API, admin) x every role -> the expected status.

Roles: anonymous, the submitter (``owner``), another researcher (``other``: someone else's object), a curator,
and a superuser (``admin``). Every request runs in a savepoint that is rolled back, so each cell of the table
sees the same starting state. Someone else's submission is a 404 (never a 403 that would confirm it exists).
"""

import uuid
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import transaction
from django.test import Client, TestCase
from django.urls import reverse

from accounts.roles import make_curator
from papers import submissions
from papers.forms import TARGET_CHOICES, Vocabulary
from papers.tests.factories import make_mapping, make_paper
from taxonomy.models import Fault
from taxonomy.tests.factories import make_fault, make_method

ROLES = ("anonymous", "owner", "other", "curator", "admin")
LOGIN = "login"  # expected value: a redirect to the login page
ADMIN_LOGIN = "admin-login"  # expected value: a redirect to the admin's login page


def mapping_json(fault="T.1-1", **overrides) -> dict:
    body = {
        "fault": fault,
        "strength": "explicit",
        "methods": ["M-T-GEN"],
        "phases": ["detection"],
        "targets": [TARGET_CHOICES[0][0]],
        "rationale": "The abstract names memory leaks.",
        "evidence_kind": "abstract",
    }
    return body | overrides


def new_paper_json(title="A new technique", fault="T.1-1") -> dict:
    return {
        "paper": {"title": title, "authors": ["A. Author"], "year": 2024, "url": "https://example.org/new"},
        "comment": "Please review.",
        "mappings": [mapping_json(fault)],
    }


@dataclass
class Row:
    """One write URL: how to call it, and the status each role gets."""

    name: str
    method: str
    url: object  # callable(test) -> str
    expected: dict[str, object]
    data: object = None  # dict, or callable(test) -> dict
    json: bool = False
    extra: dict = field(default_factory=dict)


def url(name, *attrs):
    """reverse(name, args=[getattr(test, attr) for attr in attrs]), evaluated per test."""
    return lambda test: reverse(name, args=[getattr(test, attr) for attr in attrs])


WEB = [
    Row(
        "submission form",
        "get",
        url("papers:submission-create"),
        {"anonymous": LOGIN, "owner": 200, "other": 200, "curator": 200, "admin": 200},
    ),
    Row(
        "submission form, empty post",
        "post",
        url("papers:submission-create"),
        {"anonymous": LOGIN, "owner": 400, "other": 400, "curator": 400, "admin": 400},
        data={},
    ),
    Row(
        "my submission",
        "get",
        url("papers:submission-detail", "pending_uid"),
        {"anonymous": LOGIN, "owner": 200, "other": 404, "curator": 200, "admin": 200},
    ),
    Row(
        "edit a submission sent back",
        "get",
        url("papers:submission-edit", "changes_uid"),
        {"anonymous": LOGIN, "owner": 200, "other": 404, "curator": 404, "admin": 404},
    ),
    Row(
        "edit a submission sent back, empty post",
        "post",
        url("papers:submission-edit", "changes_uid"),
        {"anonymous": LOGIN, "owner": 400, "other": 404, "curator": 404, "admin": 404},
        data={},
    ),
    Row(
        "edit a pending submission",
        "get",
        url("papers:submission-edit", "pending_uid"),
        {"anonymous": LOGIN, "owner": 302, "other": 404, "curator": 404, "admin": 404},
    ),
    Row(
        "review queue",
        "get",
        url("papers:review-queue"),
        {"anonymous": LOGIN, "owner": 403, "other": 403, "curator": 200, "admin": 200},
    ),
    Row(
        "review page",
        "get",
        url("papers:review-detail", "pending_uid"),
        {"anonymous": LOGIN, "owner": 403, "other": 403, "curator": 200, "admin": 200},
    ),
    Row(
        "claim",
        "post",
        url("papers:review-claim", "pending_uid"),
        {"anonymous": LOGIN, "owner": 403, "other": 403, "curator": 302, "admin": 302},
        data={},
    ),
    Row(
        "release",
        "post",
        url("papers:review-release", "pending_uid"),
        {"anonymous": LOGIN, "owner": 403, "other": 403, "curator": 302, "admin": 302},
        data={},
    ),
    Row(
        "approve",
        "post",
        url("papers:review-decide", "pending_uid"),
        {"anonymous": LOGIN, "owner": 403, "other": 403, "curator": 302, "admin": 302},
        data={"decision": "approve", "reason": ""},
    ),
    Row(
        "reject",
        "post",
        url("papers:review-decide", "pending_uid"),
        {"anonymous": LOGIN, "owner": 403, "other": 403, "curator": 302, "admin": 302},
        data={"decision": "reject", "reason": "Not a technique paper."},
    ),
    Row(
        "reject without a reason",
        "post",
        url("papers:review-decide", "pending_uid"),
        {"anonymous": LOGIN, "owner": 403, "other": 403, "curator": 400, "admin": 400},
        data={"decision": "reject", "reason": ""},
    ),
    Row(
        "request changes",
        "post",
        url("papers:review-decide", "pending_uid"),
        {"anonymous": LOGIN, "owner": 403, "other": 403, "curator": 302, "admin": 302},
        data={"decision": "request_changes", "reason": "Quote the abstract."},
    ),
    Row(
        "review decision on a made-up submission",
        "post",
        lambda test: reverse("papers:review-decide", args=[uuid.uuid4()]),
        {"anonymous": LOGIN, "owner": 403, "other": 403, "curator": 404, "admin": 404},
        data={"decision": "approve", "reason": ""},
    ),
    Row(
        "retract",
        "post",
        url("papers:mapping-retract", "approved_mapping_uid"),
        {"anonymous": LOGIN, "owner": 403, "other": 403, "curator": 302, "admin": 302},
        data={"reason": "The abstract does not support it."},
    ),
    Row(
        "retract without a reason",
        "post",
        url("papers:mapping-retract", "approved_mapping_uid"),
        {"anonymous": LOGIN, "owner": 403, "other": 403, "curator": 400, "admin": 400},
        data={"reason": ""},
    ),
    Row(
        "snapshot",
        "post",
        url("taxonomy:snapshot-create"),
        {"anonymous": LOGIN, "owner": 403, "other": 403, "curator": 302, "admin": 302},
        data={"name": "2026-q4", "description": "End of year"},
    ),
    Row(
        "snapshot by GET",
        "get",
        url("taxonomy:snapshot-create"),
        {"anonymous": 405, "owner": 405, "other": 405, "curator": 405, "admin": 405},
    ),
    Row(
        "create API token",
        "post",
        url("accounts:token-create"),
        {"anonymous": LOGIN, "owner": 302, "other": 302, "curator": 302, "admin": 302},
        data={},
    ),
    Row(
        "revoke API token",
        "post",
        url("accounts:token-revoke"),
        {"anonymous": LOGIN, "owner": 302, "other": 302, "curator": 302, "admin": 302},
        data={},
    ),
    Row(
        "create API token by GET",
        "get",
        url("accounts:token-create"),
        {"anonymous": 405, "owner": 405, "other": 405, "curator": 405, "admin": 405},
    ),
]

ADMIN = [
    Row(
        "admin index",
        "get",
        url("admin:index"),
        {"anonymous": ADMIN_LOGIN, "owner": ADMIN_LOGIN, "other": ADMIN_LOGIN, "curator": 200, "admin": 200},
    ),
    Row(
        "admin: add a paper",
        "get",
        url("admin:papers_paper_add"),
        {"anonymous": ADMIN_LOGIN, "owner": ADMIN_LOGIN, "other": ADMIN_LOGIN, "curator": 200, "admin": 200},
    ),
    Row(
        "admin: change a mapping",
        "get",
        url("admin:papers_faultmapping_change", "approved_mapping_pk"),
        {"anonymous": ADMIN_LOGIN, "owner": ADMIN_LOGIN, "other": ADMIN_LOGIN, "curator": 200, "admin": 200},
    ),
    Row(
        "admin: delete a paper (curators retract, never delete)",
        "post",
        url("admin:papers_paper_delete", "paper_pk"),
        {"anonymous": ADMIN_LOGIN, "owner": ADMIN_LOGIN, "other": ADMIN_LOGIN, "curator": 403, "admin": 302},
        data={"post": "yes"},
    ),
    Row(
        "admin: users",
        "get",
        url("admin:auth_user_changelist"),
        {"anonymous": ADMIN_LOGIN, "owner": ADMIN_LOGIN, "other": ADMIN_LOGIN, "curator": 403, "admin": 200},
    ),
    Row(
        "admin: add a user",
        "post",
        url("admin:auth_user_add"),
        {"anonymous": ADMIN_LOGIN, "owner": ADMIN_LOGIN, "other": ADMIN_LOGIN, "curator": 403, "admin": 302},
        data={"username": "mallory", "password1": "a-long-password-9", "password2": "a-long-password-9"},
    ),
]

API = [
    Row(
        "API: submit",
        "post",
        url("api:submission-list"),
        {"anonymous": 403, "owner": 201, "other": 201, "curator": 201, "admin": 201},
        data=lambda test: new_paper_json(),
        json=True,
    ),
    Row(
        "API: submit, invalid",
        "post",
        url("api:submission-list"),
        {"anonymous": 403, "owner": 400, "other": 400, "curator": 400, "admin": 400},
        data={"mappings": [mapping_json("NO-SUCH-FAULT")]},
        json=True,
    ),
    Row(
        "API: a submission",
        "get",
        url("api:submission-detail", "pending_uid"),
        {"anonymous": 403, "owner": 200, "other": 404, "curator": 200, "admin": 200},
    ),
    Row(
        "API: edit a submission sent back",
        "put",
        url("api:submission-detail", "changes_uid"),
        {"anonymous": 403, "owner": 200, "other": 404, "curator": 403, "admin": 403},
        data=lambda test: new_paper_json("A revised technique", fault="T-1"),
        json=True,
    ),
    Row(
        "API: edit a pending submission",
        "put",
        url("api:submission-detail", "pending_uid"),
        {"anonymous": 403, "owner": 409, "other": 404, "curator": 403, "admin": 403},
        data=lambda test: new_paper_json("A revised technique", fault="T-1"),
        json=True,
    ),
    Row(
        "API: claim",
        "post",
        url("api:submission-claim", "pending_uid"),
        {"anonymous": 403, "owner": 403, "other": 403, "curator": 200, "admin": 200},
        data={},
        json=True,
    ),
    Row(
        "API: approve",
        "post",
        url("api:submission-approve", "pending_uid"),
        {"anonymous": 403, "owner": 403, "other": 403, "curator": 200, "admin": 200},
        data={},
        json=True,
    ),
    Row(
        "API: approve an approved submission",
        "post",
        url("api:submission-approve", "approved_uid"),
        {"anonymous": 403, "owner": 403, "other": 403, "curator": 409, "admin": 409},
        data={},
        json=True,
    ),
    Row(
        "API: reject",
        "post",
        url("api:submission-reject", "pending_uid"),
        {"anonymous": 403, "owner": 403, "other": 403, "curator": 200, "admin": 200},
        data={"reason": "Not a technique paper."},
        json=True,
    ),
    Row(
        "API: reject without a reason",
        "post",
        url("api:submission-reject", "pending_uid"),
        {"anonymous": 403, "owner": 403, "other": 403, "curator": 400, "admin": 400},
        data={"reason": ""},
        json=True,
    ),
    Row(
        "API: request changes",
        "post",
        url("api:submission-request-changes", "pending_uid"),
        {"anonymous": 403, "owner": 403, "other": 403, "curator": 200, "admin": 200},
        data={"reason": "Quote the abstract."},
        json=True,
    ),
    Row(
        "API: approve a made-up submission",
        "post",
        lambda test: reverse("api:submission-approve", args=[uuid.uuid4()]),
        {"anonymous": 403, "owner": 403, "other": 403, "curator": 404, "admin": 404},
        data={},
        json=True,
    ),
    Row(
        "API: retract",
        "post",
        url("api:retraction-list"),
        {"anonymous": 403, "owner": 403, "other": 403, "curator": 200, "admin": 200},
        data=lambda test: {"mapping": str(test.approved_mapping_uid), "reason": "Not supported."},
        json=True,
    ),
    Row(
        "API: retract a made-up mapping",
        "post",
        url("api:retraction-list"),
        {"anonymous": 403, "owner": 403, "other": 403, "curator": 400, "admin": 400},
        data=lambda test: {"mapping": str(uuid.uuid4()), "reason": "Not supported."},
        json=True,
    ),
    Row(
        "API: write to a read-only resource",
        "post",
        url("api:fault-list"),
        {"anonymous": 405, "owner": 405, "other": 405, "curator": 405, "admin": 405},
        data={"code": "Z-1", "name": "Injected"},
        json=True,
    ),
    Row(
        "API: delete a fault",
        "delete",
        lambda test: reverse("api:fault-detail", args=["T.1-1"]),
        {"anonymous": 405, "owner": 405, "other": 405, "curator": 405, "admin": 405},
    ),
]


class PermissionTableTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        root = make_fault("T", name="Root", kind=Fault.Kind.CATEGORY, slug="root", position=1)
        memory = make_fault("T.1", name="Memory", kind=Fault.Kind.CATEGORY, parent=root, slug="memory", position=2)
        leak = make_fault("T.1-1", name="Memory leak", parent=memory, slug="memory-leak", position=3)
        make_fault("T-1", name="Uncovered", parent=root, slug="uncovered", position=4)
        make_method("M-T-GEN", name="Fuzzing", parent=make_method("M-T", name="Testing"))
        paper = make_paper("alpha", title="Alpha: finding memory leaks")
        cls.paper_pk = paper.pk
        approved = make_mapping(paper, leak)
        cls.approved_mapping_uid, cls.approved_mapping_pk = approved.uid, approved.pk

        cls.users = {
            "owner": User.objects.create_user("owner", "owner@example.org", "a-long-password-1"),
            "other": User.objects.create_user("other", "other@example.org", "a-long-password-2"),
            "curator": User.objects.create_user("curator", "curator@example.org", "a-long-password-3"),
            "admin": User.objects.create_superuser("admin", "admin@example.org", "a-long-password-4"),
        }
        make_curator(cls.users["curator"])
        owner, curator = cls.users["owner"], cls.users["curator"]

        def submit(title, fault):
            forms = submissions.SubmissionForms.from_json(new_paper_json(title, fault), Vocabulary.load())
            return submissions.submit(owner, forms)

        cls.pending_uid = submit("Pending technique", "T.1-1").uid
        changes = submit("Technique sent back", "T-1")
        submissions.request_changes(changes, curator, "Quote the abstract.")
        cls.changes_uid = changes.uid
        approved_submission = submit("Approved technique", "T-1")
        submissions.approve(approved_submission, curator)
        cls.approved_uid = approved_submission.uid

    def setUp(self):
        cache.clear()  # API throttles

    def client_for(self, role: str) -> Client:
        client = Client()
        if role != "anonymous":
            client.force_login(self.users[role])
        return client

    def call(self, row: Row, role: str):
        client = self.client_for(role)
        data = row.data(self) if callable(row.data) else row.data
        kwargs = dict(row.extra)
        if row.json:
            kwargs["content_type"] = "application/json"
        if data is not None:
            kwargs["data"] = data
        return getattr(client, row.method)(row.url(self), **kwargs)

    def assert_status(self, response, expected, row: Row, role: str):
        where = f"{row.name} as {role}: {response.status_code} {response.get('Location', '')}"
        if expected == LOGIN:
            assert response.status_code == 302, where
            assert response["Location"].startswith(reverse("login") + "?next="), where
        elif expected == ADMIN_LOGIN:
            assert response.status_code == 302, where
            assert response["Location"].startswith(reverse("admin:login") + "?next="), where
        else:
            assert response.status_code == expected, where

    def run_table(self, table: list[Row]):
        for row in table:
            assert set(row.expected) == set(ROLES), row.name
            for role in ROLES:
                with self.subTest(row=row.name, role=role):
                    savepoint = transaction.savepoint()
                    try:
                        self.assert_status(self.call(row, role), row.expected[role], row, role)
                    finally:
                        transaction.savepoint_rollback(savepoint)

    def test_web_write_urls(self):
        self.run_table(WEB)

    def test_admin(self):
        self.run_table(ADMIN)

    def test_api_write_urls(self):
        self.run_table(API)

    def test_an_invalid_token_is_refused(self):
        from rest_framework.authtoken.models import Token

        token = Token.objects.create(user=self.users["owner"])
        client = Client()
        url = reverse("api:submission-list")
        assert client.get(url, HTTP_AUTHORIZATION=f"Token {token.key}").status_code == 200
        # 403, not 401: SessionAuthentication comes first and sends no WWW-Authenticate challenge (DRF's rule).
        refused = client.get(url, HTTP_AUTHORIZATION="Token 0123456789abcdef")
        assert refused.status_code == 403
        assert refused.json() == {"detail": "Invalid token."}
        assert client.post(url, {}, content_type="application/json", HTTP_AUTHORIZATION="Token x").status_code == 403

    def test_api_lists_show_only_your_own_submissions(self):
        owner = self.client_for("owner").get(reverse("api:submission-list")).json()
        other = self.client_for("other").get(reverse("api:submission-list")).json()
        curator = self.client_for("curator").get(reverse("api:submission-list")).json()
        assert owner["count"] == 3
        assert other["count"] == 0
        assert curator["count"] == 3

    def test_web_list_shows_only_your_own_submissions(self):
        response = self.client_for("other").get(reverse("papers:submission-list"))
        assert response.status_code == 200
        for uid in (self.pending_uid, self.changes_uid, self.approved_uid):
            assert str(uid) not in response.content.decode()

    def test_a_refused_action_changes_nothing(self):
        from papers.models import FaultMapping, Submission

        self.client_for("other").post(reverse("api:submission-approve", args=[self.pending_uid]))
        self.client_for("owner").post(reverse("papers:review-decide", args=[self.pending_uid]), {"decision": "approve"})
        self.client_for("owner").post(
            reverse("papers:mapping-retract", args=[self.approved_mapping_uid]), {"reason": "mine now"}
        )
        assert Submission.objects.get(uid=self.pending_uid).status == "pending"
        assert FaultMapping.objects.get(uid=self.approved_mapping_uid).status == "approved"
