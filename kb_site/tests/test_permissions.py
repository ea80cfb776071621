"""Every write URL (web forms, API, admin) x every role -> the expected status.

Roles: anonymous, the submitter (``owner``), another researcher (``other``: someone else's object), a curator,
and a superuser (``admin``). Every request runs in a savepoint that is rolled back, so each cell of the table
sees the same starting state. Someone else's submission is a 404 (never a 403 that would confirm it exists).
The API answers missing or invalid credentials with 401 and a ``WWW-Authenticate: Token`` challenge, and a
signed-in user without the role with 403; the web pages send anonymous users to sign in.
"""

import uuid
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import transaction
from django.test import Client, TestCase
from django.urls import reverse
from rest_framework.authtoken.models import Token

from accounts.roles import make_curator
from papers import review, submissions
from papers.forms import TARGET_CHOICES, Vocabulary
from papers.models import Submission
from papers.submission_forms import SubmissionForms
from papers.tests.factories import if_match, make_mapping, make_paper
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
    extra: object = field(default_factory=dict)  # dict of headers, or callable(test) -> dict


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
        "curator edit of a pending submission",
        "get",
        url("papers:review-edit", "pending_uid"),
        {"anonymous": LOGIN, "owner": 403, "other": 403, "curator": 200, "admin": 200},
    ),
    Row(
        "curator edit of a submission sent back",
        "get",
        url("papers:review-edit", "changes_uid"),
        {"anonymous": LOGIN, "owner": 403, "other": 403, "curator": 200, "admin": 200},
    ),
    Row(
        "curator edit of an approved submission",
        "get",
        url("papers:review-edit", "approved_uid"),
        {"anonymous": LOGIN, "owner": 403, "other": 403, "curator": 302, "admin": 302},
    ),
    Row(
        "curator edit of a pending submission, empty post",
        "post",
        url("papers:review-edit", "pending_uid"),
        {"anonymous": LOGIN, "owner": 403, "other": 403, "curator": 400, "admin": 400},
        data={},
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
        url("coverage:snapshot-create"),
        {"anonymous": LOGIN, "owner": 403, "other": 403, "curator": 302, "admin": 302},
        data={"name": "2026-q4", "description": "End of year"},
    ),
    Row(
        "snapshot by GET",
        "get",
        url("coverage:snapshot-create"),
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
        {"anonymous": 401, "owner": 201, "other": 201, "curator": 201, "admin": 201},
        data=lambda test: new_paper_json(),
        json=True,
    ),
    Row(
        "API: submit, invalid",
        "post",
        url("api:submission-list"),
        {"anonymous": 401, "owner": 400, "other": 400, "curator": 400, "admin": 400},
        data={"mappings": [mapping_json("NO-SUCH-FAULT")]},
        json=True,
    ),
    Row(
        "API: a submission",
        "get",
        url("api:submission-detail", "pending_uid"),
        {"anonymous": 401, "owner": 200, "other": 404, "curator": 200, "admin": 200},
    ),
    Row(
        "API: edit a submission sent back",
        "put",
        url("api:submission-detail", "changes_uid"),
        {"anonymous": 401, "owner": 200, "other": 404, "curator": 200, "admin": 200},
        data=lambda test: new_paper_json("A revised technique", fault="T-1"),
        json=True,
        extra=lambda test: if_match(Submission.objects.get(uid=test.changes_uid)),  # its current ETag
    ),
    Row(
        "API: edit a pending submission",
        "put",
        url("api:submission-detail", "pending_uid"),
        {"anonymous": 401, "owner": 409, "other": 404, "curator": 200, "admin": 200},
        data=lambda test: new_paper_json("A revised technique", fault="T-1"),
        json=True,
        extra=lambda test: if_match(Submission.objects.get(uid=test.pending_uid)),  # its current ETag
    ),
    Row(
        "API: claim",
        "post",
        url("api:submission-claim", "pending_uid"),
        {"anonymous": 401, "owner": 403, "other": 403, "curator": 200, "admin": 200},
        data={},
        json=True,
    ),
    Row(
        "API: approve",
        "post",
        url("api:submission-approve", "pending_uid"),
        {"anonymous": 401, "owner": 403, "other": 403, "curator": 200, "admin": 200},
        data={},
        json=True,
    ),
    Row(
        "API: approve an approved submission",
        "post",
        url("api:submission-approve", "approved_uid"),
        {"anonymous": 401, "owner": 403, "other": 403, "curator": 409, "admin": 409},
        data={},
        json=True,
    ),
    Row(
        "API: reject",
        "post",
        url("api:submission-reject", "pending_uid"),
        {"anonymous": 401, "owner": 403, "other": 403, "curator": 200, "admin": 200},
        data={"reason": "Not a technique paper."},
        json=True,
    ),
    Row(
        "API: reject without a reason",
        "post",
        url("api:submission-reject", "pending_uid"),
        {"anonymous": 401, "owner": 403, "other": 403, "curator": 400, "admin": 400},
        data={"reason": ""},
        json=True,
    ),
    Row(
        "API: request changes",
        "post",
        url("api:submission-request-changes", "pending_uid"),
        {"anonymous": 401, "owner": 403, "other": 403, "curator": 200, "admin": 200},
        data={"reason": "Quote the abstract."},
        json=True,
    ),
    Row(
        "API: approve a made-up submission",
        "post",
        lambda test: reverse("api:submission-approve", args=[uuid.uuid4()]),
        {"anonymous": 401, "owner": 403, "other": 403, "curator": 404, "admin": 404},
        data={},
        json=True,
    ),
    Row(
        "API: retract",
        "post",
        url("api:retraction-list"),
        {"anonymous": 401, "owner": 403, "other": 403, "curator": 200, "admin": 200},
        data=lambda test: {"mapping": str(test.approved_mapping_uid), "reason": "Not supported."},
        json=True,
    ),
    Row(
        "API: retract a made-up mapping",
        "post",
        url("api:retraction-list"),
        {"anonymous": 401, "owner": 403, "other": 403, "curator": 400, "admin": 400},
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
        cls.tokens = {role: Token.objects.create(user=user).key for role, user in cls.users.items()}
        owner, curator = cls.users["owner"], cls.users["curator"]

        def submit(title, fault):
            forms = SubmissionForms.from_json(new_paper_json(title, fault), Vocabulary.load())
            return submissions.submit(owner, forms)

        cls.pending_uid = submit("Pending technique", "T.1-1").uid
        changes = submit("Technique sent back", "T-1")
        review.request_changes(changes, curator, "Quote the abstract.")
        cls.changes_uid = changes.uid
        approved_submission = submit("Approved technique", "T-1")
        review.approve(approved_submission, curator)
        cls.approved_uid = approved_submission.uid

    def setUp(self):
        cache.clear()  # API throttles

    def client_for(self, role: str, token: bool = False) -> Client:
        """A client signed in as ``role``: with a browser session, or with the role's API token."""
        if token and role != "anonymous":
            return Client(headers={"Authorization": f"Token {self.tokens[role]}"})
        client = Client()
        if role != "anonymous":
            client.force_login(self.users[role])
        return client

    def call(self, row: Row, role: str, token: bool = False):
        client = self.client_for(role, token)
        data = row.data(self) if callable(row.data) else row.data
        kwargs = dict(row.extra(self) if callable(row.extra) else row.extra)
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
            # 401 says how to authenticate; 403 means authenticating again would not help.
            assert response.get("WWW-Authenticate") == ("Token" if expected == 401 else None), where

    def run_table(self, table: list[Row], token: bool = False):
        for row in table:
            assert set(row.expected) == set(ROLES), row.name
            for role in ROLES:
                with self.subTest(row=row.name, role=role):
                    savepoint = transaction.savepoint()
                    try:
                        self.assert_status(self.call(row, role, token), row.expected[role], row, role)
                    finally:
                        transaction.savepoint_rollback(savepoint)

    def test_web_write_urls(self):
        self.run_table(WEB)

    def test_admin(self):
        self.run_table(ADMIN)

    def test_api_write_urls(self):
        self.run_table(API)

    def test_api_write_urls_with_api_tokens(self):
        self.run_table(API, token=True)

    def assert_unauthorized(self, response, detail: str):
        assert (response.status_code, response.json()) == (401, {"detail": detail})
        assert response["WWW-Authenticate"] == "Token"

    def test_api_without_credentials_is_a_401_with_a_challenge(self):
        client = Client()
        self.assert_unauthorized(
            client.get(reverse("api:submission-list")), "Authentication credentials were not provided."
        )
        approve = reverse("api:submission-approve", args=[self.pending_uid])
        self.assert_unauthorized(client.post(approve), "Authentication credentials were not provided.")
        # Another scheme is not a token: no credentials as far as the API is concerned.
        basic = Client(headers={"Authorization": "Basic b3duZXI6YS1sb25nLXBhc3N3b3JkLTE="})
        self.assert_unauthorized(basic.post(approve), "Authentication credentials were not provided.")

    def test_an_invalid_token_is_a_401_with_a_challenge(self):
        url = reverse("api:submission-list")
        assert self.client_for("owner", token=True).get(url).status_code == 200
        wrong = Client(headers={"Authorization": "Token 0123456789abcdef0123456789abcdef01234567"})
        self.assert_unauthorized(wrong.get(url), "Invalid token.")
        self.assert_unauthorized(
            wrong.post(reverse("api:submission-approve", args=[self.pending_uid])), "Invalid token."
        )
        # Refused even where no credentials are needed: the client should know its token is wrong.
        self.assert_unauthorized(wrong.get(reverse("api:fault-list")), "Invalid token.")
        malformed = Client(headers={"Authorization": "Token"})
        self.assert_unauthorized(malformed.get(url), "Invalid token header. No credentials provided.")

    def test_a_revoked_token_is_a_401_with_a_challenge(self):
        url = reverse("api:submission-list")
        api = self.client_for("owner", token=True)
        assert api.get(url).status_code == 200
        assert self.client_for("owner").post(reverse("accounts:token-revoke")).status_code == 302
        self.assert_unauthorized(api.get(url), "Invalid token.")

    def test_a_deactivated_users_token_is_a_401_with_a_challenge(self):
        User.objects.filter(username="curator").update(is_active=False)
        response = self.client_for("curator", token=True).post(
            reverse("api:submission-approve", args=[self.pending_uid])
        )
        self.assert_unauthorized(response, "User inactive or deleted.")

    def test_a_wrong_role_is_a_403_without_a_challenge(self):
        response = self.client_for("owner", token=True).post(reverse("api:submission-approve", args=[self.pending_uid]))
        assert (response.status_code, response.json()) == (403, {"detail": "Only curators may do this."})
        assert "WWW-Authenticate" not in response

    def test_a_browser_session_writes_to_the_api_with_its_csrf_token(self):
        client = Client(enforce_csrf_checks=True)
        client.force_login(self.users["curator"])
        url = reverse("api:submission-claim", args=[self.pending_uid])
        refused = client.post(url)
        assert refused.status_code == 403, refused.content  # signed in, so not a 401: the CSRF token is missing
        assert "CSRF" in refused.json()["detail"]
        csrf_token = str(client.get(reverse("papers:submission-create")).context["csrf_token"])
        response = client.post(url, headers={"X-CSRFToken": csrf_token})
        assert response.status_code == 200, response.content
        assert response.json()["claimed_by"] == "curator"

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
