import json
import logging
from unittest import mock

import pytest
from django.apps import apps
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.throttling import AnonRateThrottle

from challenges.tests.factories import make_artifact, make_mention
from triage.tests.world import CUDA_REPORT, build_world

URL = "/api/classify/"


@pytest.fixture
def world(db):
    return build_world()


def post(client, body, **kw):
    return client.post(URL, json.dumps(body), content_type="application/json", **kw)


def test_classify_answers_categories_leaves_papers_and_evidence(client, world, artefact):
    response = post(client, {"text": CUDA_REPORT})
    assert response.status_code == 200
    data = response.json()
    assert set(data) == {"categories", "leaves", "papers", "similar_evidence", "challenges"}

    categories = data["categories"]
    assert [set(c) for c in categories] == [{"fault", "name", "probability", "url"}] * 6
    assert [c["probability"] for c in categories] == sorted((c["probability"] for c in categories), reverse=True)
    assert sum(c["probability"] for c in categories) == pytest.approx(1.0)
    assert categories[0]["fault"] == "H-2"
    assert categories[0]["name"] == "GPU Usage"
    assert categories[0]["url"] == "http://testserver/faults/H-2/"
    others = next(c for c in categories if c["fault"] is None)
    assert others["name"] == "Not a deep-learning fault"
    assert others["url"] is None
    assert {c["fault"] for c in categories} == {"H-1", "H-2", "H-3", "H-4", "H-5", None}

    leaves = {leaf["fault"]: leaf for leaf in data["leaves"]}
    # Both GPU leaves share words with the report (cuda, device, gpu, move, tensors ...); their coverage status
    # follows from the mappings: explicit on H-2-5, partial on H-2-1.
    assert {"H-2-1", "H-2-5"} <= set(leaves)
    assert leaves["H-2-5"]["status"] == "addressed"
    assert leaves["H-2-1"]["status"] == "partial"
    assert leaves["H-2-5"]["category"] == "H-2"
    assert leaves["H-2-5"]["url"] == "http://testserver/faults/H-2-5/"
    assert set(leaves["H-2-5"]) == {"fault", "name", "category", "score", "status", "why", "url"}
    assert 0 < leaves["H-2-5"]["score"] <= 1
    assert leaves["H-2-5"]["why"]

    # Explicit first, whatever the titles' order.
    assert [(p["key"], p["strength"]) for p in data["papers"]][:1] == [("gpu-explicit", "explicit")]
    assert {(p["key"], p["fault"], p["strength"]) for p in data["papers"]} <= {
        ("gpu-explicit", "H-2-5", "explicit"),
        ("gpu-partial", "H-2-1", "partial"),
    }
    evidence = data["similar_evidence"]
    assert evidence
    assert all(set(e) == {"kind", "label", "text", "url", "fault", "score", "why"} for e in evidence)
    assert "cuda cuda cuda" not in [e["text"] for e in evidence]  # unclassified: never a suggestion
    assert data["challenges"] == [
        {
            "slug": "hard-to-setup-framework",
            "name": "Hard To Setup Framework",
            "url": "http://testserver/challenges/hard-to-setup-framework/",
        }
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"text": ""}, "This field may not be blank."),
        ({"text": "   "}, "Paste the text of a bug report."),
        ({"text": "x" * 50_001}, "The text is 50001 bytes; the limit is 50000 bytes (50 kB)."),
        ({"text": "import torch\u0000"}, "Null characters are not allowed."),
        (
            {"text": "import torch\u0007"},
            "The text contains a control character (U+0007); paste text, not binary data.",
        ),
        ({}, "This field is required."),
        ({"text": None}, "This field may not be null."),
    ],
)
def test_bad_input_is_a_400_on_the_text_field(client, world, artefact, body, message):
    response = post(client, body)
    assert response.status_code == 400
    assert response.json() == {"text": [message]}


def test_missing_classifier_is_a_503_saying_how_to_train_it(client, world, no_artefact):
    response = post(client, {"text": CUDA_REPORT})
    assert response.status_code == 503
    assert response.json() == {"detail": "classifier not trained: run make data"}


def test_anonymous_post_needs_no_csrf_token(world, artefact):
    from django.test import Client

    response = post(Client(enforce_csrf_checks=True), {"text": CUDA_REPORT})
    assert response.status_code == 200


def test_text_is_neither_stored_nor_logged(client, world, artefact, caplog):
    marker = "ZebraQuokka4711 CUDA out of memory on my GPU"
    counts = {model: model.objects.count() for model in apps.get_models()}
    with caplog.at_level(logging.DEBUG), CaptureQueriesContext(connection) as queries:
        assert post(client, {"text": marker}).status_code == 200
    assert "ZebraQuokka4711" not in caplog.text
    assert not any("ZebraQuokka4711" in q["sql"] for q in queries.captured_queries)
    assert {model: model.objects.count() for model in apps.get_models()} == counts


def test_query_count_does_not_grow_with_the_evidence(client, world, artefact, django_assert_num_queries):
    """The coverage engine's 6 (tree, 2 mapping, 3 evidence); then artefacts, mentions, mappings of the suggested
    leaves, related challenges: 10."""
    with django_assert_num_queries(10):
        assert post(client, {"text": CUDA_REPORT}).status_code == 200
    for n in range(5):
        make_artifact(world["gpu_transfer"], final_tag=f"tensor left on the cpu {n}")
        make_mention(world["interview"], world["gpu_reference"], tag=f"wrong gpu id {n}")
    with django_assert_num_queries(10):
        assert post(client, {"text": CUDA_REPORT}).status_code == 200


def test_schema_documents_the_request_and_the_answer(client, db):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/classify/"]["post"]
    assert {"200", "400", "429", "503"} <= set(operation["responses"])
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ClassifyResponse"
    }
    request = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert request == "#/components/schemas/ClassifyRequestRequest"
    response = schema["components"]["schemas"]["ClassifyResponse"]
    assert set(response["properties"]) == {"categories", "leaves", "papers", "similar_evidence", "challenges"}
    assert "security" not in operation  # anyone may classify: no lock in Swagger UI


def test_anonymous_clients_are_throttled_by_the_anon_rate(client, world, no_artefact):
    """The project's default throttles apply (503 answers count too: the throttle runs before the view)."""
    cache.clear()
    with mock.patch.dict(AnonRateThrottle.THROTTLE_RATES, {"anon": "2/minute"}):
        statuses = [post(client, {"text": "cuda"}).status_code for _ in range(3)]
    cache.clear()
    assert statuses == [503, 503, 429]


def test_signed_in_browser_session_needs_its_csrf_token(world, artefact, django_user_model):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(django_user_model.objects.create_user("reader", password="reader-pass-123"))
    assert post(browser, {"text": CUDA_REPORT}).status_code == 403
