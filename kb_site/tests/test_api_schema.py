"""The OpenAPI schema validates and describes the API as it is; the docs pages work offline (sidecar static files)."""

import io
import re
import tempfile

import pytest
import yaml
from django.core.management import call_command
from django.test import TestCase
from django.urls import reverse

SCHEMA_URL = reverse("api:schema")


class SchemaTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        with tempfile.NamedTemporaryFile(suffix=".yaml") as handle:
            # --fail-on-warn: any guessed type, unresolved serializer or enum collision fails the test.
            call_command("spectacular", "--validate", "--fail-on-warn", "--file", handle.name, stderr=io.StringIO())
            cls.schema = yaml.safe_load(handle.read())

    def operation(self, path, method="get"):
        return self.schema["paths"][path][method]

    def parameters(self, path):
        return {p["name"]: p for p in self.operation(path).get("parameters", [])}

    def test_descriptions_use_markdown_not_rst_backticks(self):
        # Swagger UI and ReDoc render descriptions as Markdown: RST's ``double backticks`` would show literally.
        self.assertNotIn("``", yaml.safe_dump(self.schema))

    def test_served_schema_is_the_generated_one(self):
        response = self.client.get(SCHEMA_URL, {"format": "json"}, secure=True)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(set(response.json()["paths"]), set(self.schema["paths"]))

    def test_every_read_endpoint_is_documented(self):
        paths = set(self.schema["paths"])
        for path in [
            "/api/faults/",
            "/api/faults/{code}/",
            "/api/faults/tree/",
            "/api/methods/",
            "/api/papers/",
            "/api/papers/{key}/",
            "/api/mappings/",
            "/api/mappings/{uid}/",
            "/api/github-artifacts/",
            "/api/stackoverflow-posts/",
            "/api/interviews/",
            "/api/interview-mentions/",
            "/api/challenges/",
            "/api/sources/",
            "/api/reported-figures/",
            "/api/snapshots/",
            "/api/coverage/",
            "/api/coverage/faults/",
            "/api/coverage/categories/",
            "/api/coverage/gap-map/",
            "/api/coverage/papers-per-year/",
            "/api/coverage/layer/",
            "/api/export/dataset/",
        ]:
            self.assertIn(path, paths)

    def test_lists_document_pagination_filters_formats_and_errors(self):
        params = self.parameters("/api/papers/")
        for name in ["page", "page_size", "q", "year_min", "year_max", "fault", "ancestor", "method", "format"]:
            self.assertIn(name, params)
        self.assertEqual(params["year_min"]["schema"]["type"], "integer")
        self.assertEqual(params["page_size"]["schema"]["maximum"], 500)
        self.assertEqual(set(params["format"]["schema"]["enum"]), {"json", "csv", "bibtex", "ris", "csljson", "api"})
        responses = self.operation("/api/papers/")["responses"]
        bad_request = responses["400"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
        self.assertIn(
            {"$ref": "#/components/schemas/ValidationError"},
            self.schema["components"]["schemas"][bad_request].get(
                "anyOf", [{"$ref": f"#/components/schemas/{bad_request}"}]
            ),
        )
        self.assertIn("404", responses)
        self.assertEqual(responses["200"]["content"]["application/x-bibtex"]["schema"], {"type": "string"})
        page = responses["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
        self.assertEqual(set(self.schema["components"]["schemas"][page]["required"]), {"count", "results"})

    def test_coverage_endpoints_document_snapshot_and_as_of(self):
        for path in ["/api/coverage/", "/api/coverage/faults/", "/api/coverage/layer/", "/api/coverage/gap-map/"]:
            params = self.parameters(path)
            self.assertEqual(params["snapshot"]["schema"]["type"], "string")
            self.assertEqual(params["as_of"]["schema"]["format"], "date-time")
        faults = self.parameters("/api/coverage/faults/")
        self.assertLessEqual({"ancestor", "kind", "status", "evidence", "parent"}, set(faults))
        summary = self.operation("/api/coverage/")["responses"]["200"]["content"]["application/json"]["schema"]
        self.assertEqual(summary["$ref"], "#/components/schemas/CoverageSummary")  # one object, not a page
        self.assertNotIn("page", self.parameters("/api/coverage/"))

    def test_fault_ids_in_paths(self):
        code = self.parameters("/api/faults/{code}/")["code"]
        self.assertEqual(code["in"], "path")
        self.assertTrue(re.fullmatch(code["schema"]["pattern"], "H-1.2.3-1"))

    def test_a_lock_only_on_operations_that_need_credentials(self):
        # Swagger UI draws a lock on every operation with a security requirement, even one that lists {} ("or
        # nothing"): only these, written out by hand from the views' permissions, need a token or a session.
        locked = {
            "GET /api/submissions/",
            "GET /api/submissions/lookup/",
            "GET /api/submissions/{uid}/",
            "POST /api/submissions/",
            "PUT /api/submissions/{uid}/",
            "POST /api/submissions/{uid}/approve/",
            "POST /api/submissions/{uid}/claim/",
            "POST /api/submissions/{uid}/reject/",
            "POST /api/submissions/{uid}/request-changes/",
            "POST /api/retractions/",
        }
        requirements = {
            f"{method.upper()} {path}": operation.get("security")
            for path, operations in self.schema["paths"].items()
            for method, operation in operations.items()
        }
        self.assertEqual({name for name, security in requirements.items() if security}, locked)
        for name in locked:
            self.assertEqual(requirements[name], [{"tokenAuth": []}, {"cookieAuth": []}], name)
        # Both schemes stay declared, so the Authorize button still offers them.
        self.assertEqual(set(self.schema["components"]["securitySchemes"]), {"tokenAuth", "cookieAuth"})

    def test_every_unlocked_read_answers_an_anonymous_client(self):
        # What the schema promises, checked against the server: each list read without a lock answers without
        # credentials (400: the view ran and wants a parameter), each locked one refuses with 401.
        for path, operations in self.schema["paths"].items():
            if "get" not in operations or "{" in path:
                continue
            with self.subTest(path=path):
                status = self.client.get(path, secure=True).status_code
                if operations["get"].get("security"):
                    self.assertEqual(status, 401)
                else:
                    self.assertIn(status, (200, 400))

    def test_401_with_its_challenge_and_403_are_documented_where_they_happen(self):
        protected = []
        for path, operations in self.schema["paths"].items():
            for method, operation in operations.items():
                responses = operation["responses"]
                with self.subTest(path=path, method=method):
                    # Every operation: a wrong or revoked token is a 401 even where no credentials are needed.
                    challenge = responses["401"]["headers"]["WWW-Authenticate"]
                    self.assertEqual(
                        (challenge["schema"], challenge["required"]), ({"enum": ["Token"], "type": "string"}, True)
                    )
                    if not operation.get("security") and method == "get":
                        self.assertNotIn("403", responses)  # anyone may read: no role to lack
                    else:
                        protected.append(f"{method.upper()} {path}")
                        self.assertIn("403", responses)  # signed in without the role, or no CSRF token
        self.assertLessEqual(
            {
                "GET /api/submissions/",
                "POST /api/submissions/",
                "PUT /api/submissions/{uid}/",
                "POST /api/submissions/{uid}/approve/",
                "POST /api/retractions/",
            },
            set(protected),
        )

    def test_a_submission_put_declares_if_match_and_its_get_the_etag(self):
        put = self.operation("/api/submissions/{uid}/", "put")
        headers = {p["name"]: p for p in put["parameters"] if p["in"] == "header"}
        self.assertEqual((set(headers), headers["If-Match"]["required"]), ({"If-Match"}, True))
        self.assertEqual({"200", "412", "428"} - set(put["responses"]), set())
        get = self.operation("/api/submissions/{uid}/")
        self.assertEqual(set(get["responses"]["200"]["headers"]), {"ETag"})
        self.assertEqual(set(put["responses"]["200"]["headers"]), {"ETag"})

    def test_the_submission_request_body_is_typed(self):
        def component(schema: dict) -> dict:
            return self.schema["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]

        body = self.operation("/api/submissions/", "post")["requestBody"]["content"]["application/json"]["schema"]
        self.assertEqual(
            self.operation("/api/submissions/{uid}/", "put")["requestBody"]["content"]["application/json"]["schema"],
            body,
        )
        write = component(body)
        self.assertEqual(write["required"], ["mappings"])
        self.assertEqual(set(write["properties"]), {"paper", "paper_key", "bibtex", "comment", "mappings"})
        paper = component(write["properties"]["paper"]["allOf"][0])
        self.assertEqual(set(paper["required"]), {"title", "authors", "year"})
        self.assertEqual(set(paper["properties"]), {"title", "authors", "year", "venue", "doi", "arxiv_id", "url"})
        self.assertEqual(paper["properties"]["year"]["type"], "integer")
        self.assertEqual(paper["properties"]["authors"]["items"], {"type": "string"})
        mapping = component(write["properties"]["mappings"]["items"])
        self.assertEqual(set(mapping["required"]), {"fault", "strength", "methods", "phases", "targets", "rationale"})
        self.assertEqual(component(mapping["properties"]["strength"])["enum"], ["explicit", "partial"])
        self.assertEqual(
            component(mapping["properties"]["phases"]["items"])["enum"], ["detection", "localisation", "fixing"]
        )
        self.assertIn("", component(mapping["properties"]["evidence_kind"]["oneOf"][1])["enum"])  # blank: abstract


class DocsPageTests(TestCase):
    def test_swagger_ui_and_redoc_use_only_our_static_files(self):
        for name in ["api:docs", "api:redoc"]:
            response = self.client.get(reverse(name), secure=True)
            self.assertEqual(response.status_code, 200)
            html = response.content.decode()
            self.assertNotRegex(html, r"(src|href)=\"https?://")
            self.assertNotIn("googleapis", html)
            for asset in re.findall(r"(?:src|href)=\"(/static/[^\"]+)\"", html):
                self.assertEqual(self.client.get(asset, secure=True).status_code, 200, asset)
        bundle = self.client.get(reverse("api:redoc-bundle"), secure=True)
        self.assertEqual(bundle.status_code, 200)
        self.assertNotIn(b"https://cdn.", bundle.content)
        self.assertIn(
            f'src="{reverse("api:redoc-bundle")}"', self.client.get(reverse("api:redoc"), secure=True).content.decode()
        )
        script = self.client.get(reverse("api:docs"), {"script": ""}, secure=True)
        self.assertEqual(script.status_code, 200)
        self.assertIn("SwaggerUIBundle", script.content.decode())

    def test_browsable_api_is_on(self):
        response = self.client.get(reverse("api:fault-list"), HTTP_ACCEPT="text/html", secure=True)
        self.assertEqual(response.status_code, 200)
        self.assertIn("text/html", response["Content-Type"])


@pytest.mark.browser
def test_docs_pages_render_offline_in_chromium(browser_page, transactional_db):
    failed = []
    browser_page.page.on("response", lambda r: r.status >= 400 and failed.append(f"{r.status} {r.url}"))
    for path, selector in [("/api/docs/", ".swagger-ui .opblock"), ("/api/redoc/", "[role=menuitem], .menu-content")]:
        browser_page.goto(path)
        browser_page.page.wait_for_selector(selector, timeout=20000)
        browser_page.screenshot(path.strip("/").replace("/", "-"))
    assert failed == []
    assert browser_page.foreign_requests == []
    assert browser_page.console_errors == []
