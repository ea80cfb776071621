from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import serializers as drf_serializers
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.viewsets import ReadOnlyModelViewSet

from kb_site.api.params import LOOKUP_REGEX, parse_query
from taxonomy.api import serializers
from taxonomy.filtersets import FaultFilterSet, ReportedFigureFilterSet
from taxonomy.models import Fault, ReportedFigure, Source
from taxonomy.tree import build_tree

#
# Faults
#


class FaultTreeQuerySerializer(drf_serializers.Serializer):
    root = drf_serializers.SlugRelatedField(
        slug_field="code",
        queryset=Fault.objects.all(),
        required=False,
        help_text="Only the subtree under this fault id (the whole taxonomy when absent).",
    )


class FaultViewSet(ReadOnlyModelViewSet):
    """The fault taxonomy: categories and leaf faults, addressed by their stable id (``H-1.2.3-1``)."""

    queryset = Fault.objects.for_list().select_related("source").with_children_count()
    serializer_class = serializers.FaultSerializer
    filterset_class = FaultFilterSet
    lookup_field = "code"
    lookup_value_regex = LOOKUP_REGEX
    ordering_fields = ["position", "code", "name"]
    ordering = ["position", "code"]

    def get_queryset(self):
        if self.action == "retrieve":
            return self.queryset.prefetch_related(Prefetch("children", Fault.objects.order_by("position", "code")))
        return self.queryset

    def get_serializer_class(self):
        return serializers.FaultDetailSerializer if self.action == "retrieve" else self.serializer_class

    @extend_schema(parameters=[FaultTreeQuerySerializer], responses=serializers.FaultTreeNodeSerializer(many=True))
    @action(detail=False, filter_backends=[], pagination_class=None)
    def tree(self, request):
        """The taxonomy as a nested tree (one query), roots first, children in display order."""
        root = parse_query(FaultTreeQuerySerializer, request).get("root")
        tree = build_tree()
        roots = [tree.by_id[root.pk]] if root else tree.roots
        context = self.get_serializer_context()
        return Response(serializers.FaultTreeNodeSerializer(roots, many=True, context=context).data)


class SourceViewSet(ReadOnlyModelViewSet):
    """The works the knowledge base draws data or figures from, with licence and attribution."""

    queryset = Source.objects.order_by("key")
    serializer_class = serializers.SourceSerializer
    lookup_field = "key"
    lookup_value_regex = LOOKUP_REGEX
    ordering_fields = ["key", "year", "title"]
    ordering = ["key"]


class ReportedFigureViewSet(ReadOnlyModelViewSet):
    """Figures a source published (e.g. the survey's share of faults addressed): cited, never computed."""

    queryset = ReportedFigure.objects.select_related("source").order_by("position", "key")
    serializer_class = serializers.ReportedFigureSerializer
    filterset_class = ReportedFigureFilterSet
    lookup_field = "key"
    lookup_value_regex = LOOKUP_REGEX
    ordering_fields = ["position", "key", "value"]
    ordering = ["position", "key"]
