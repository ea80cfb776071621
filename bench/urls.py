"""The app's URLs plus two reference views for bench/run.py's API-vs-static comparison.

* ``/bench/floor/``: a constant through the middleware stack: the floor for any response Django serves.
* ``/bench/coverage-plain/``: the same live coverage-summary JSON as ``/api/coverage/``, from the same
  per-data-version cache (so just as fresh), served by a plain Django view instead of DRF (no content
  negotiation, query-parameter validation or throttling): what skipping DRF for this one answer would buy.
"""

from django.http import HttpResponse
from django.urls import include, path
from rest_framework.renderers import JSONRenderer

from taxonomy import cache as coverage_cache
from taxonomy import coverage
from taxonomy.api.serializers import CoverageSummarySerializer


def floor(request):
    return HttpResponse(b'{"ok": true}', content_type="application/json")


def _summary_json() -> bytes:
    summary = coverage.coverage_summary(coverage.compute())
    payload = coverage.summary_dict(summary, coverage.reported_comparison(summary))
    payload = {"computed_from": {"snapshot": None, "as_of": None}, **payload}
    return JSONRenderer().render(CoverageSummarySerializer(payload).data)


def coverage_plain(request):
    return HttpResponse(coverage_cache.cached("bench-summary-json", _summary_json), content_type="application/json")


urlpatterns = [
    path("bench/floor/", floor),
    path("bench/coverage-plain/", coverage_plain),
    path("", include("kb_site.urls")),
]
