"""The app's URLs plus two reference views for bench/run.py's API-vs-static comparison.

* ``/bench/floor/``: a constant through the middleware stack: the floor for any response Django serves.
* ``/bench/coverage-plain/``: the same live coverage-summary JSON as ``/api/coverage/``, from the same
  per-data-version cache (so just as fresh), served by a plain Django view instead of DRF (no content
  negotiation, query-parameter validation or throttling): what skipping DRF for this one answer would buy.
"""

from django.http import HttpResponse
from django.urls import include, path

from coverage.api.views import live_summary_json


def floor(request):
    return HttpResponse(b'{"ok": true}', content_type="application/json")


def coverage_plain(request):
    _etag, body = live_summary_json()  # the bytes /api/coverage/ sends, from the same per-data-version cache
    return HttpResponse(body, content_type="application/json")


urlpatterns = [
    path("bench/floor/", floor),
    path("bench/coverage-plain/", coverage_plain),
    path("", include("kb_site.urls")),
]
