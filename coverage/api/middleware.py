"""The live coverage summary's plain ``GET``, answered from the cache ahead of the middleware stack and DRF.

``GET /api/coverage/`` with no query string is the knowledge base's most requested answer and the same for every
anonymous client until the data changes. Like WhiteNoise for files, this middleware answers it from memory: the
JSON bytes DRF would send, built once per data version by ``coverage.api.views.live_summary_json`` (so never stale,
see ``coverage/cache.py``), with a strong ``ETag`` of those bytes so clients and proxies can revalidate with
``If-None-Match`` (304). It still counts against the API's anonymous throttle, the very budget (cache key) DRF's
``AnonRateThrottle`` keeps for the client's address. Sessions, CSRF, authentication and content negotiation are
skipped for this one answer, the fixed per-request cost the benchmark found to halve its throughput
(bench/results/REPORT.md). Every other request goes to the API as usual: this URL with any query parameter, an
``Accept`` other than JSON, credentials (an ``Authorization`` header or a session cookie: the API checks them, and
a wrong token is refused), or with caching off.
"""

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.cache import get_conditional_response
from rest_framework.exceptions import Throttled
from rest_framework.throttling import AnonRateThrottle

from coverage import cache as coverage_cache

# Accept values for which DRF's content negotiation picks its JSON renderer (the first renderer, on no preference).
JSON_ACCEPTS = frozenset({"", "*/*", "application/json"})


class ClientAddressThrottle(AnonRateThrottle):
    """DRF's anonymous throttle (same scope, rate and cache key), for requests no authenticator has seen."""

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


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
            and "HTTP_AUTHORIZATION" not in request.META
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and coverage_cache.enabled()
        ):
            return self.cached_summary(request)
        return self.get_response(request)

    def cached_summary(self, request) -> HttpResponse:
        from coverage.api.views import live_summary_json  # the views import DRF and the models: load on use

        throttle = ClientAddressThrottle()
        if not throttle.allow_request(request, None):
            refusal = Throttled(throttle.wait())  # DRF's message and rounding, as the API's other 429s
            response = JsonResponse({"detail": str(refusal.detail)}, status=429)
            if refusal.wait is not None:
                response.headers["Retry-After"] = f"{refusal.wait:d}"
            return response
        etag, body = live_summary_json()
        response = get_conditional_response(request, etag=etag)
        if response is None:
            response = HttpResponse(body, content_type="application/json")
        response.headers["ETag"] = etag
        response.headers["Vary"] = "Accept"
        response.headers["Allow"] = "GET, HEAD, OPTIONS"
        return response
