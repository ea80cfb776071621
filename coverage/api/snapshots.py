"""``/api/snapshot-diff/?before=<name|live>&after=<name|live>``: what changed between two states of the data."""

from __future__ import annotations

from dataclasses import asdict

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.viewsets import ViewSet

from coverage import snapshots
from coverage.models import Snapshot
from papers.blind import blind_paper_keys


class SnapshotDiffQuerySerializer(serializers.Serializer):
    before = serializers.CharField(help_text="A snapshot name, or “live” for the current data.")
    after = serializers.CharField(default=snapshots.LIVE, help_text="A snapshot name, or “live” (the default).")

    def _snapshot(self, name: str) -> Snapshot | None:
        if name == snapshots.LIVE:
            return None
        snapshot = Snapshot.objects.filter(name=name).first()
        if snapshot is None:
            raise serializers.ValidationError(f"No snapshot named “{name}” (or use “live”).")
        return snapshot

    def validate_before(self, value):
        return self._snapshot(value)

    def validate_after(self, value):
        return self._snapshot(value)


class StatusChangeSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    before = serializers.CharField(allow_null=True)
    after = serializers.CharField(allow_null=True)


class MappingChangeSerializer(serializers.Serializer):
    mapping_uid = serializers.CharField()
    paper_key = serializers.CharField()
    fault_code = serializers.CharField()
    strength = serializers.CharField()


class FigureChangeSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="Dotted key of summaries.summary_dict(), e.g. leaves.addressed_pct.")
    before = serializers.FloatField(allow_null=True)
    after = serializers.FloatField(allow_null=True)


# The diff is one object, not a list, although it is the viewset's ``list`` action.
@extend_schema_serializer(many=False)
class SnapshotDiffSerializer(serializers.Serializer):
    before = serializers.CharField()
    after = serializers.CharField()
    status_changes = StatusChangeSerializer(many=True)
    added = MappingChangeSerializer(many=True)
    removed = MappingChangeSerializer(many=True)
    figures = FigureChangeSerializer(many=True)


class SnapshotDiffViewSet(ViewSet):
    """Faults whose status changed, mappings added or removed (retracted), and every figure that moved."""

    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer]

    @extend_schema(parameters=[SnapshotDiffQuerySerializer], responses=SnapshotDiffSerializer, summary="Snapshot diff")
    def list(self, request):
        query = SnapshotDiffQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        result = snapshots.diff(query.validated_data["before"], query.validated_data["after"])
        result = snapshots.without_papers(result, blind_paper_keys(request))  # papers.blind
        return Response(asdict(result))
