"""The live coverage summary's plain ``GET``, answered from the cache ahead of the middleware stack and DRF.

``GET /api/coverage/`` with no query string is the knowledge base's most requested answer and the same for every
client until the data changes. Like WhiteNoise for files, this middleware answers it from memory: the JSON bytes
DRF would send, built once per data version by ``taxonomy.api.views.live_summary_json`` (so never stale, see
``taxonomy/cache.py``), with a strong ``ETag`` of those bytes so clients and proxies can revalidate with
``If-None-Match`` (304). Sessions, CSRF, authentication, content negotiation and the per-client throttle are
skipped for this one answer: it is public, read-only, and costs less to serve than to throttle (the benchmark
report measures why: bench/results/REPORT.md). Every other request, including this URL with any query parameter,
an ``Accept`` other than JSON, an ``Authorization`` header (the API checks it: a wrong token is refused), or
with caching off, goes to the API as usual.
"""

from django.http import HttpResponse
from django.urls import reverse
from django.utils.cache import get_conditional_response

from taxonomy import cache as coverage_cache

# Accept values for which DRF's content negotiation picks its JSON renderer (the first renderer, on no preference).
JSON_ACCEPTS = frozenset({"", "*/*", "application/json"})


class CoverageSummaryMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.path: str | None = None  # resolved on the first request (URLconf not loaded at construction)

    def __call__(self, request):
        if self.path is None:
            self.path = reverse("api:coverage-list")
        if (
            request.method == "GET"
            and request.path_info == self.path
            and not request.META.get("QUERY_STRING")
            and request.META.get("HTTP_ACCEPT", "").strip() in JSON_ACCEPTS
            and "HTTP_AUTHORIZATION" not in request.META  # credentials are checked (a wrong token is refused)
            and coverage_cache.enabled()
        ):
            return self.cached_summary(request)
        return self.get_response(request)

    def cached_summary(self, request) -> HttpResponse:
        from taxonomy.api.views import live_summary_json  # the views import DRF and the models: load on use

        etag, body = live_summary_json()
        response = get_conditional_response(request, etag=etag)
        if response is None:
            response = HttpResponse(body, content_type="application/json")
        response.headers["ETag"] = etag
        response.headers["Vary"] = "Accept"
        response.headers["Allow"] = "GET, HEAD, OPTIONS"
        return response
