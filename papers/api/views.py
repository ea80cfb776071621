from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework.settings import api_settings
from rest_framework.viewsets import ReadOnlyModelViewSet

from kb_site.api.filters import FilterBackend, OrderingFilter
from kb_site.api.params import LOOKUP_REGEX
from kb_site.api.renderers import BibTeXRenderer
from papers.api import serializers
from papers.filtersets import CodingFilterSet, FaultMappingFilterSet, PaperFilterSet
from papers.models import Coding, FaultMapping, Paper

_bibtex = OpenApiResponse(OpenApiTypes.STR, description="BibTeX entries (with ?format=bibtex).")


@extend_schema_view(
    list=extend_schema(responses={200: serializers.PaperSerializer(many=True), (200, "application/x-bibtex"): _bibtex}),
    retrieve=extend_schema(responses={200: serializers.PaperDetailSerializer, (200, "application/x-bibtex"): _bibtex}),
)
class PaperViewSet(ReadOnlyModelViewSet):
    """Approved research papers with their approved fault mappings. ``?format=bibtex`` exports BibTeX."""

    queryset = Paper.objects.for_list().select_related("source")
    serializer_class = serializers.PaperSerializer
    filterset_class = PaperFilterSet
    filter_backends = [FilterBackend]  # PaperFilterSet has its own `ordering`
    renderer_classes = [*api_settings.DEFAULT_RENDERER_CLASSES, BibTeXRenderer]
    lookup_field = "key"
    lookup_value_regex = LOOKUP_REGEX

    def get_queryset(self):
        if self.action == "retrieve":
            return Paper.objects.for_detail().select_related("source")
        return self.queryset

    def get_serializer_class(self):
        renderer = getattr(self.request, "accepted_renderer", None)
        if renderer is not None and renderer.format == BibTeXRenderer.format:
            return serializers.PaperBibTeXSerializer
        return serializers.PaperDetailSerializer if self.action == "retrieve" else self.serializer_class


class FaultMappingViewSet(ReadOnlyModelViewSet):
    """Approved paper-to-fault mappings: the claim, its strength, methods and evidence."""

    queryset = FaultMapping.objects.for_list()
    serializer_class = serializers.FaultMappingSerializer
    filterset_class = FaultMappingFilterSet
    filter_backends = [FilterBackend, OrderingFilter]
    lookup_field = "uid"
    lookup_value_regex = LOOKUP_REGEX
    ordering_fields = ["fault__position", "paper__title", "paper__year", "strength", "approved_at"]
    ordering = ["fault__position", "paper__title"]


class CodingViewSet(ReadOnlyModelViewSet):
    """Independent codings of double-coded papers (a first coding is hidden while its blind second is open)."""

    queryset = Coding.objects.for_list()
    serializer_class = serializers.CodingSerializer
    filterset_class = CodingFilterSet
    filter_backends = [FilterBackend, OrderingFilter]
    ordering_fields = ["submitted_at", "sample", "coder"]
    lookup_field = "uid"
