import pytest
from django.test import Client

from challenges.tests.factories import make_artifact, make_mention
from triage.tests.world import CUDA_REPORT, build_world

URL = "/classify/"


@pytest.fixture
def world(db):
    return build_world()


def test_page_offers_the_form_and_says_the_text_is_not_kept(client, world):
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="csrfmiddlewaretoken"' in html
    assert '<textarea name="text"' in html
    assert "Your text is not kept." in html
    assert "not written to any log" in html
    # The training data's licences and attribution.
    assert "Apache-2.0" in html
    assert "CC BY-SA" in html
    assert "https://stackoverflow.com/questions/&lt;id&gt;" in html


def test_post_without_csrf_token_is_refused(world, artefact):
    response = Client(enforce_csrf_checks=True).post(URL, {"text": CUDA_REPORT})
    assert response.status_code == 403


def test_post_with_csrf_token_shows_categories_and_leaves_linked_to_fault_pages(world, artefact):
    browser = Client(enforce_csrf_checks=True)
    token = browser.get(URL).cookies["csrftoken"].value
    response = browser.post(URL, {"text": CUDA_REPORT, "csrfmiddlewaretoken": token})
    assert response.status_code == 200
    result = response.context["result"]
    assert result.categories[0].name == "GPU Usage"
    html = response.content.decode()
    assert '<a href="/faults/H-2/">GPU Usage</a>' in html
    assert '<a href="/faults/H-2-5/">Missing transfer of data to GPU</a>' in html
    assert '<a href="/papers/gpu-explicit/">Zeta: moving tensors to the right device</a>' in html
    assert "Not a deep-learning fault" in html


def test_empty_text_is_a_form_error(client, world, artefact):
    response = client.post(URL, {"text": "  "})
    assert response.status_code == 400
    assert response.context["form"].errors == {"text": ["Paste the text of a bug report."]}
    assert response.context["result"] is None


def test_missing_classifier_is_explained_on_the_page(client, world, no_artefact):
    response = client.post(URL, {"text": CUDA_REPORT})
    assert response.status_code == 503
    assert "The classifier is not available: classifier not trained: run make data." in response.content.decode()


def test_page_query_count_does_not_grow_with_the_evidence(client, world, artefact, django_assert_num_queries):
    """The same 10 queries as the API (see test_api): the template runs none."""
    with django_assert_num_queries(10):
        assert client.post(URL, {"text": CUDA_REPORT}).status_code == 200
    for n in range(5):
        make_artifact(world["gpu_transfer"], final_tag=f"tensor left on the cpu {n}")
        make_mention(world["interview"], world["gpu_reference"], tag=f"wrong gpu id {n}")
    with django_assert_num_queries(10):
        assert client.post(URL, {"text": CUDA_REPORT}).status_code == 200


def test_the_page_is_throttled_per_client(client, world, artefact, settings):
    """Classifying costs CPU: past the `classify` rate a client gets a 429 with Retry-After, and nothing is run."""
    from django.core.cache import cache

    cache.clear()
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**rates, "classify": "2/minute"},
    }
    assert [client.post(URL, {"text": CUDA_REPORT}).status_code for _ in range(3)] == [200, 200, 429]
    refused = client.post(URL, {"text": CUDA_REPORT})
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert client.get(URL).status_code == 200  # reading the page is not throttled
