"""Hostile input gets a 400 (or 413) naming what is wrong, with the security headers, never a 500 or a write."""

import json
import re
from pathlib import Path

import yaml
from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from kb_site.api.parsers import MAX_DEPTH
from kb_site.test import KBTestCase
from kb_site.text import NUL_MESSAGE, SURROGATE_MESSAGE
from papers.models import Paper, Submission

SUBMISSION = {
    "paper": {
        "title": "Gamma: catching uncovered faults",
        "authors": ["Grace Hopper"],
        "year": 2024,
        "venue": "ICSE",
        "doi": "",
        "arxiv_id": "",
        "url": "",
    },
    "mappings": [
        {
            "fault": "T-1",
            "strength": "explicit",
            "methods": ["M-T-GEN"],
            "phases": ["detection"],
            "targets": ["DL program"],
            "rationale": "The abstract says the tool finds this fault.",
            "evidence_kind": "abstract",
            "quote": "",
            "quote_locator": "",
        }
    ],
    "comment": "",
}


DEPTH_ERROR = f"JSON parse error - nested more than {MAX_DEPTH} levels deep."


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


class NestedJsonTests(KBTestCase):
    def setUp(self):
        self.api = APIClient()

    def send(self, user, url, body: str):
        self.api.force_authenticate(user)
        return self.api.post(url, body, content_type="application/json")

    def test_927_nested_arrays_are_a_400_on_every_write_endpoint(self):
        body = nested(927)  # the attack run's 1,854-byte body
        for user, url in [(self.researcher, "/api/submissions/"), (self.curator, "/api/retractions/")]:
            with self.subTest(url=url):
                response = self.send(user, url, body)
                self.assertEqual(response.status_code, 400)
                self.assertEqual(response.json(), {"detail": DEPTH_ERROR})

    def test_a_body_deeper_than_the_recursion_limit_is_a_400_too(self):
        response = self.send(self.researcher, "/api/submissions/", nested(100_000))
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json(), {"detail": DEPTH_ERROR})

    def test_the_limit_is_exact(self):
        ok = {"comment": json.loads(nested(MAX_DEPTH - 1))}  # the object is level 1
        too_deep = {"comment": json.loads(nested(MAX_DEPTH))}
        self.assertNotIn(
            DEPTH_ERROR, json.dumps(self.send(self.researcher, "/api/submissions/", json.dumps(ok)).json())
        )
        response = self.send(self.researcher, "/api/submissions/", json.dumps(too_deep))
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json(), {"detail": DEPTH_ERROR})


class InvalidTextTests(KBTestCase):
    def setUp(self):
        self.api = APIClient()
        self.api.force_authenticate(self.researcher)

    def test_a_nul_in_authors_is_a_400_on_the_field(self):
        body = json.loads(json.dumps(SUBMISSION))
        body["paper"]["authors"] = ["Grace\x00Hopper"]
        response = self.api.post("/api/submissions/", body, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json(), {"paper.authors[0]": [NUL_MESSAGE]})
        self.assertEqual((Paper.objects.count(), Submission.objects.count()), (2, 0))

    def test_a_lone_surrogate_in_any_text_field_is_a_400_on_the_field(self):
        for path in (("paper", "title"), ("paper", "venue"), ("comment",), ("mappings", 0, "rationale")):
            body = json.loads(json.dumps(SUBMISSION))
            target = body
            for part in path[:-1]:
                target = target[part]
            target[path[-1]] = "bad \ud800 text"
            raw = json.dumps(body)  # ensure_ascii: the surrogate travels as the escape \ud800, as an attacker sends it
            with self.subTest(path=path):
                response = self.api.post("/api/submissions/", raw, content_type="application/json")
                self.assertEqual(response.status_code, 400)
                name = ".".join(str(p) for p in path).replace(".0.", "[0].")
                self.assertEqual(response.json(), {name: [SURROGATE_MESSAGE]})
        self.assertEqual(Submission.objects.count(), 0)

    def test_a_surrogate_in_a_key_is_refused_too(self):
        response = self.api.post("/api/submissions/", '{"\\ud800": 1}', content_type="application/json")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json(), {"body": [SURROGATE_MESSAGE]})

    def test_a_nul_in_a_web_form_field_is_a_400_naming_the_field(self):
        self.client.force_login(self.researcher)
        data = {
            "paper_choice": "new",
            "paper-title": "Gamma",
            "paper-authors": "Grace\x00Hopper",
            "mappings-TOTAL_FORMS": "0",
            "mappings-INITIAL_FORMS": "0",
        }
        response = self.client.post(reverse("papers:submission-create"), data)
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, f"Field “paper-authors”: {NUL_MESSAGE}", status_code=400)
        self.assertEqual(Submission.objects.count(), 0)

    def test_the_sign_up_form_refuses_a_nul_too(self):
        response = self.client.post(
            reverse("accounts:signup"),
            {"username": "ada", "email": "ada@example.org", "password1": "a\x00b", "password2": "a\x00b"},
        )
        self.assertContains(response, f"Field “password1”: {NUL_MESSAGE}", status_code=400)


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1024)
class LimitAnswerHeaderTests(KBTestCase):
    def assert_security_headers(self, response):
        self.assertEqual(response["X-Frame-Options"], "DENY")
        self.assertIn("frame-ancestors 'none'", response["Content-Security-Policy"])
        self.assertIn("default-src 'self'", response["Content-Security-Policy"])

    def test_413_from_the_request_limits_carries_csp_and_x_frame_options(self):
        for url in ("/api/", "/accounts/login/"):
            with self.subTest(url=url):
                response = self.client.post(url, "x" * 2000, content_type="application/json")
                self.assertEqual(response.status_code, 413)
                self.assert_security_headers(response)

    def test_400_from_the_request_limits_carries_them_too(self):
        for url in ("/faults/?q=%00", "/api/faults/?q=%00"):
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 400)
                self.assert_security_headers(response)
        response = self.client.post("/accounts/login/", {"username": "a\x00"})
        self.assertEqual(response.status_code, 400)
        self.assert_security_headers(response)


class OrderingTests(KBTestCase):
    # Every list whose ordering is DRF's OrderingFilter (the others order through their FilterSet, already strict).
    LISTS = [
        "/api/faults/",
        "/api/methods/",
        "/api/sources/",
        "/api/reported-figures/",
        "/api/snapshots/",
        "/api/mappings/",
        "/api/interviews/",
        "/api/interview-mentions/",
        "/api/challenges/",
    ]

    def test_an_unknown_ordering_field_is_a_400_naming_it_on_every_list(self):
        for url in self.LISTS:
            with self.subTest(url=url):
                response = self.client.get(url, {"ordering": "-bogus"})
                self.assertEqual(response.status_code, 400)
                self.assertEqual(list(response.json()), ["ordering"])
                self.assertTrue(response.json()["ordering"][0].startswith("Cannot sort by '-bogus'; choose from "))

    def test_known_fields_still_sort(self):
        response = self.client.get("/api/methods/", {"ordering": "-code"})
        self.assertEqual([m["code"] for m in response.json()["results"]], ["M-T-GEN", "M-T"])
        response = self.client.get("/api/methods/", {"ordering": "code,bogus"})
        self.assertEqual(response.json(), {"ordering": [response.json()["ordering"][0]]})
        self.assertIn("'bogus'", response.json()["ordering"][0])


@override_settings(KB_SEARCH_MAX_WORDS=3, KB_SEARCH_MAX_LENGTH=20)
class SearchBoundsTests(KBTestCase):
    def test_too_many_words_is_a_form_error_and_nothing_is_searched(self):
        with self.assertNumQueries(0):
            response = self.client.get(reverse("search"), {"q": "memory leak in alpha"})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.context["form"].errors, {"q": ["Search for at most 3 words (this is 4)."]})
        self.assertNotIn("results", response.context)

    def test_too_long_is_a_form_error(self):
        response = self.client.get(reverse("search"), {"q": "x" * 21})
        self.assertEqual(response.context["form"].errors, {"q": ["Search for at most 20 characters (this is 21)."]})
        self.assertContains(response, "Search for at most 20 characters (this is 21).", status_code=400)

    def test_within_the_bounds_it_searches(self):
        response = self.client.get(reverse("search"), {"q": "memory leak"})
        self.assertEqual(response.context["form"].errors, {})
        self.assertEqual(response.context["query"], "memory leak")
        self.assertGreater(response.context["results"].total, 0)


def test_docker_compose_refuses_to_start_without_a_secret():
    compose = yaml.safe_load((Path(settings.BASE_DIR) / "docker-compose.yml").read_text())
    value = compose["services"]["web"]["environment"]["DJANGO_SECRET_KEY"]
    # ${VAR:?message}: compose stops with the message when VAR is unset or empty; no fallback value.
    assert re.fullmatch(r"\$\{DJANGO_SECRET_KEY:\?[^}]+\}", value), value
