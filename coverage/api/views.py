"""Coverage and snapshot API: every figure comes from ``coverage/coverage.py``, the functions the dashboard calls."""

import hashlib

from django.db.models import Prefetch
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.decorators import method_decorator
from django.views.decorators.http import condition
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.viewsets import GenericViewSet, ReadOnlyModelViewSet

from coverage import cache as coverage_cache
from coverage import coverage, gap_analysis, summaries
from coverage import live as coverage_live
from coverage.api import serializers
from coverage.filtersets import CoverageFaultFilterSet, SnapshotFilterSet
from coverage.live import LiveCoverage
from coverage.models import Snapshot, SnapshotEntry
from kb_site.api.filters import FilterBackend, validated_filterset
from kb_site.api.pagination import KBPagination
from kb_site.api.params import LOOKUP_REGEX, parse_query
from kb_site.query import count_related
from papers.blind import visible_keys
from papers.models import FaultMapping, Paper
from taxonomy.filtersets import MethodFilterSet
from taxonomy.models import Fault, Method, ReviewStatus


class MethodViewSet(ReadOnlyModelViewSet):
    """Debugging-method families (Testing, Diagnosis, Repair) and their subtypes, with how much research uses them."""

    queryset = (
        Method.objects.select_related("parent")
        .annotate(
            paper_count=count_related(Paper.methods.through, "method", paper__status=ReviewStatus.APPROVED),
            mapping_count=count_related(
                FaultMapping.methods.through, "method", faultmapping__status=ReviewStatus.APPROVED
            ),
        )
        .order_by("position", "code")
    )
    serializer_class = serializers.MethodSerializer
    filterset_class = MethodFilterSet
    lookup_field = "code"
    lookup_value_regex = LOOKUP_REGEX
    ordering_fields = ["position", "code", "name", "paper_count", "mapping_count"]
    ordering = ["position", "code"]


class SnapshotViewSet(ReadOnlyModelViewSet):
    """Frozen mapping sets and the figures computed from them when frozen."""

    queryset = Snapshot.objects.annotate(entry_count=count_related(SnapshotEntry, "snapshot"))
    serializer_class = serializers.SnapshotSerializer
    filterset_class = SnapshotFilterSet
    lookup_field = "name"
    lookup_value_regex = LOOKUP_REGEX
    ordering_fields = ["created_at", "name"]
    ordering = ["created_at", "name"]

    def get_queryset(self):
        if self.action == "retrieve":
            entries = visible_keys(SnapshotEntry.objects.select_related("fault"), self.request).order_by(
                "fault__position", "paper_key"
            )  # never the frozen mappings of a paper the user codes blind (papers.blind)
            return self.queryset.prefetch_related(Prefetch("entries", entries))
        return self.queryset

    def get_serializer_class(self):
        return serializers.SnapshotDetailSerializer if self.action == "retrieve" else self.serializer_class


#
# Coverage: every figure comes from coverage/coverage.py (and summaries, gap_analysis), as on the dashboard
#


def summary_payload(data: coverage.CoverageData, computed_from: dict) -> dict:
    """The coverage summary of ``data`` as ``GET /api/coverage/`` answers it."""
    summary = summaries.coverage_summary(data)
    payload = summaries.summary_dict(summary, summaries.reported_comparison(summary))
    return serializers.CoverageSummarySerializer({"computed_from": computed_from, **payload}).data


def live_summary() -> dict:
    """The live summary: the same for everyone until the data changes, so built once per data version."""
    return coverage_cache.cached(
        "api-coverage-summary", lambda: summary_payload(coverage.compute(), {"snapshot": None, "as_of": None})
    )


# How long a client or proxy may reuse the live summary before revalidating it (with its ETag).
SUMMARY_MAX_AGE = 30


def live_summary_etag(request, *args, **kwargs) -> str | None:
    """ETag of the plain live summary as JSON (``GET /api/coverage/``, no query string): a hash of the bytes DRF
    renders, computed once per data version, so it changes exactly when the answer does. None (no ETag, no 304) for
    any other request (parameters, the browsable API), or when coverage caching is off (a process-local data version
    would not see another process's changes)."""
    if request.META.get("QUERY_STRING") or request.accepted_renderer.format != "json" or not coverage_cache.enabled():
        return None

    def build() -> str:
        return hashlib.sha256(JSONRenderer().render(live_summary())).hexdigest()[:32]

    return coverage_cache.cached("api-coverage-summary-etag", build)


def live_list_etag(request, *args, **kwargs) -> str | None:
    """ETag of a live coverage answer (faults, categories, gap map, papers per year, layer): the data version with
    the full path and the renderer, so it changes whenever the data does, and a 304 costs one cache read (nothing
    is computed). None for answers as of a moment or of a snapshot, and when coverage caching is off."""
    if not is_live_cached(request):
        return None
    try:
        version = coverage_cache.data_version()
    except Exception:  # the cache is down: answer in full, without an ETag
        return None
    key = f"{version}|{request.get_full_path()}|{request.accepted_renderer.format}"
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def is_live_cached(request) -> bool:
    """A live answer (not as of a moment, not of a snapshot) while coverage is cached per data version."""
    params = request.query_params
    return "as_of" not in params and "snapshot" not in params and coverage_cache.enabled()


def public_live(request, response: Response) -> Response:
    """The same for everyone until the data changes: reusable by any cache for SUMMARY_MAX_AGE, then revalidated."""
    if response.status_code == 200 and is_live_cached(request):
        patch_cache_control(response, public=True, max_age=SUMMARY_MAX_AGE, must_revalidate=True)
        patch_vary_headers(response, ["Accept"])
    return response


LAYER_SCORES = {coverage.Status.ADDRESSED: 2, coverage.Status.PARTIAL: 1, coverage.Status.UNADDRESSED: 0}
LAYER_COLOURS = {
    coverage.Status.ADDRESSED: "#1a9850",
    coverage.Status.PARTIAL: "#fee08b",
    coverage.Status.UNADDRESSED: "#d73027",
}

_coverage_parameters = [serializers.CoverageQuerySerializer]


@extend_schema_view(
    list=extend_schema(
        summary="Coverage summary",
        description=(
            "Leaf shares by status, the evidence-weighted unaddressed shares and the survey's reported figures "
            "beside the computed ones. Without query parameters the live answer carries an `ETag` (when the shared "
            f"coverage cache is on) and `Cache-Control: public, max-age={SUMMARY_MAX_AGE}, must-revalidate`; send "
            "the ETag back in `If-None-Match` to get 304 until the figures change. Throttled like every request "
            "(anonymous clients: `KB_API_ANON_RATE`)."
        ),
        parameters=_coverage_parameters,
        responses={
            200: serializers.CoverageSummarySerializer,
            304: OpenApiResponse(description="Not modified: the `If-None-Match` ETag is the current answer's."),
        },
    ),
)
class CoverageViewSet(GenericViewSet):
    """Coverage of the taxonomy by the approved mappings (live, as of a moment, or of a frozen snapshot).

    Every figure is computed by ``coverage/coverage.py``, the module the dashboard uses, so the two agree.
    """

    permission_classes = [AllowAny]
    queryset = Fault.objects.none()  # for the schema's filter parameters; rows come from coverage.compute()
    filterset_class = CoverageFaultFilterSet
    filter_backends = []
    pagination_class = None  # the summary and the layer are one object; the lists paginate (per action)
    serializer_class = serializers.CoverageSummarySerializer

    def coverage_params(self, serializer_class=serializers.CoverageQuerySerializer) -> dict:
        return parse_query(serializer_class, self.request)

    def coverage_data(self, params: dict) -> coverage.CoverageData:
        return coverage.compute(as_of=params.get("as_of"), snapshot=params.get("snapshot"))

    @staticmethod
    def computed_from(params: dict) -> dict:
        snapshot = params.get("snapshot")
        return {"snapshot": snapshot.name if snapshot else None, "as_of": params.get("as_of")}

    def selected_ids(self, data: coverage.CoverageData | LiveCoverage) -> set[int]:
        """The faults that pass the fault filters (``FaultFilterSet`` parameters)."""
        filterset = CoverageFaultFilterSet(
            self.request.query_params, Fault.objects.all(), request=self.request, coverage_data=data
        )
        return set(validated_filterset(filterset).qs.values_list("pk", flat=True))

    def selected_rows(self, data: coverage.CoverageData) -> list[coverage.FaultCoverage]:
        """The rows whose faults pass the fault filters, in tree order."""
        selected = self.selected_ids(data)
        return [row for row in data.rows if row.fault.pk in selected]

    def live_page(self, serializer_class) -> Response:
        """The live rows of the selected faults, in tree order, reading only the page's rows from the cache (not the
        whole computation: ``coverage/live.py``)."""
        live = coverage_live.live()
        selected = self.selected_ids(live)
        ids = [node.pk for node in live.outline.nodes if node.pk in selected]
        page = self.paginate_queryset(ids)
        rows = live.rows(page if page is not None else ids)
        context = self.get_serializer_context()
        data = serializer_class([rows[pk] for pk in (page if page is not None else ids)], many=True, context=context)
        return self.get_paginated_response(data.data) if page is not None else Response(data.data)

    def paginated(self, rows: list, serializer_class) -> Response:
        page = self.paginate_queryset(rows)
        context = self.get_serializer_context()
        if page is not None:
            return self.get_paginated_response(serializer_class(page, many=True, context=context).data)
        return Response(serializer_class(rows, many=True, context=context).data)

    @method_decorator(condition(etag_func=live_summary_etag))
    def list(self, request):
        params = self.coverage_params()
        if params.get("as_of") is None and params.get("snapshot") is None:
            response = Response(live_summary())
            patch_cache_control(response, public=True, max_age=SUMMARY_MAX_AGE, must_revalidate=True)
            patch_vary_headers(response, ["Accept"])
            return response
        return Response(summary_payload(self.coverage_data(params), self.computed_from(params)))

    @extend_schema(
        summary="Per-fault coverage",
        parameters=_coverage_parameters,
        responses=serializers.FaultCoverageSerializer(many=True),
        filters=True,
    )
    @action(
        detail=False,
        filter_backends=[FilterBackend],
        pagination_class=KBPagination,
        serializer_class=serializers.FaultCoverageSerializer,
    )
    @method_decorator(condition(etag_func=live_list_etag))
    def faults(self, request):
        """Every fault's coverage status and counts, in tree order; filter with the fault list's parameters."""
        params = self.coverage_params()
        if params.get("as_of") is None and params.get("snapshot") is None:
            return public_live(request, self.live_page(serializers.FaultCoverageSerializer))
        rows = self.selected_rows(self.coverage_data(params))
        return public_live(request, self.paginated(rows, serializers.FaultCoverageSerializer))

    @extend_schema(
        summary="Per-category roll-ups",
        parameters=_coverage_parameters,
        responses=serializers.CategoryCoverageSerializer(many=True),
        filters=True,
    )
    @action(
        detail=False,
        filter_backends=[FilterBackend],
        pagination_class=KBPagination,
        serializer_class=serializers.CategoryCoverageSerializer,
    )
    @method_decorator(condition(etag_func=live_list_etag))
    def categories(self, request):
        """Each category's subtree: leaves by status (with shares), papers, category-level mappings, evidence."""
        params = self.coverage_params()
        rows = [row for row in self.selected_rows(self.coverage_data(params)) if not row.is_leaf]
        return public_live(request, self.paginated(rows, serializers.CategoryCoverageSerializer))

    @extend_schema(
        summary="Gap map: fault categories x debugging methods",
        parameters=[serializers.GapMapQuerySerializer],
        responses=serializers.GapCellSerializer(many=True),
    )
    @action(
        detail=False,
        url_path="gap-map",
        url_name="gap-map",
        pagination_class=KBPagination,
        serializer_class=serializers.GapCellSerializer,
    )
    @method_decorator(condition(etag_func=live_list_etag))
    def gap_map(self, request):
        """Distinct papers per (category at ``depth``, top-level method), categories in tree order."""
        params = self.coverage_params(serializers.GapMapQuerySerializer)
        cells = gap_analysis.gap_map(self.coverage_data(params), depth=params["depth"])
        rows = [
            {
                "category": {"code": cell.category.code, "name": cell.category.name},
                "method": {"code": cell.method.code, "name": cell.method.name},
                "papers": cell.papers,
            }
            for cell in cells
        ]
        return public_live(request, self.paginated(rows, serializers.GapCellSerializer))

    @extend_schema(
        summary="Papers per year by method",
        parameters=_coverage_parameters,
        responses=serializers.PapersPerYearSerializer(many=True),
    )
    @action(
        detail=False,
        url_path="papers-per-year",
        url_name="papers-per-year",
        pagination_class=KBPagination,
        serializer_class=serializers.PapersPerYearSerializer,
    )
    @method_decorator(condition(etag_func=live_list_etag))
    def papers_per_year(self, request):
        """Distinct papers of the mapping set per (year, top-level method); year is null when unknown."""
        params = self.coverage_params()
        counts = gap_analysis.papers_per_year_by_method(self.coverage_data(params))
        rows = [{"year": year, "method": method, "papers": n} for (year, method), n in counts.items()]
        return public_live(request, self.paginated(rows, serializers.PapersPerYearSerializer))

    @extend_schema(
        summary="ATT&CK Navigator-style layer",
        parameters=_coverage_parameters,
        responses=serializers.LayerSerializer,
    )
    @action(detail=False, serializer_class=serializers.LayerSerializer)
    @method_decorator(condition(etag_func=live_list_etag))
    def layer(self, request):
        """Per-fault coverage as a layer file: each fault id scored by its status, with a legend."""
        params = self.coverage_params()
        layer = navigator_layer(self.coverage_data(params), self.computed_from(params))
        return public_live(request, Response(serializers.LayerSerializer(layer).data))


def navigator_layer(data: coverage.CoverageData, computed_from: dict) -> dict:
    """The coverage rows as an ATT&CK Navigator-style layer (format 4.5): leaves scored 2/1/0 by status."""
    techniques = []
    for row in data.rows:
        metadata = [
            {"name": "name", "value": row.fault.name},
            {"name": "papers", "value": str(row.papers_subtree)},
            {"name": "practitioner evidence", "value": str(row.evidence_subtree.total)},
        ]
        technique = {
            "techniqueID": row.code,
            "color": LAYER_COLOURS.get(row.status, ""),
            "comment": (
                f"{row.status.label}: {row.explicit} explicit, {row.partial} partial mappings"
                if row.is_leaf
                else f"Category: {row.leaves_addressed} of {row.leaves} leaves addressed, "
                f"{row.leaves_partial} partially, {row.leaves_unaddressed} unaddressed"
            ),
            "enabled": True,
            "showSubtechniques": not row.is_leaf,
            "metadata": metadata,
        }
        if row.is_leaf:
            technique["score"] = LAYER_SCORES[row.status]
        techniques.append(technique)
    source = f"snapshot {computed_from['snapshot']}" if computed_from["snapshot"] else "live approved mappings"
    if computed_from["as_of"]:
        source += f" as of {computed_from['as_of'].isoformat()}"
    return {
        "name": "ML debugging fault coverage",
        "versions": {"layer": "4.5", "navigator": "5.1.0"},
        "domain": "ml-debugging-faults",
        "description": (
            "Coverage of the fault taxonomy (Humbatova et al., ICSE 2020) by the knowledge base's approved "
            f"paper-to-fault mappings ({source}). Leaves: 2 addressed, 1 partially addressed, 0 unaddressed."
        ),
        "sorting": 0,
        "hideDisabled": False,
        "techniques": techniques,
        "gradient": {
            "colors": [LAYER_COLOURS[s] for s in reversed(coverage.Status)],
            "minValue": 0,
            "maxValue": 2,
        },
        "legendItems": [{"label": status.label, "color": LAYER_COLOURS[status]} for status in coverage.Status],
        "metadata": [{"name": "computed from", "value": source}],
    }
