from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers
from rest_framework.reverse import reverse

from coverage.coverage import Status
from coverage.models import Snapshot, SnapshotEntry
from taxonomy.models import Fault, Method, ReportedFigure

#
# Debugging methods
#


class MethodSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:method-detail", lookup_field="code")
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    paper_count = serializers.IntegerField(read_only=True, help_text="Approved papers using this method.")
    mapping_count = serializers.IntegerField(read_only=True, help_text="Approved mappings using this method.")

    class Meta:
        model = Method
        fields = ["id", "url", "code", "name", "definition", "parent", "position", "paper_count", "mapping_count"]


#
# Snapshots
#


class SnapshotSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:snapshot-detail", lookup_field="name")
    entry_count = serializers.IntegerField(read_only=True)
    figures = serializers.JSONField(read_only=True, help_text="coverage summary computed when frozen.")

    class Meta:
        model = Snapshot
        fields = ["id", "url", "name", "description", "created_at", "created_by", "entry_count", "figures"]


class SnapshotEntrySerializer(serializers.ModelSerializer):
    fault = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = SnapshotEntry
        fields = ["mapping_uid", "paper_key", "paper_title", "fault", "strength", "methods"]


class SnapshotDetailSerializer(SnapshotSerializer):
    entries = SnapshotEntrySerializer(many=True, read_only=True)

    class Meta(SnapshotSerializer.Meta):
        fields = [*SnapshotSerializer.Meta.fields, "entries"]


#
# Coverage (the shapes of coverage.coverage's results; nothing is computed here)
#


class CoverageQuerySerializer(serializers.Serializer):
    """The query parameters every coverage endpoint accepts."""

    snapshot = serializers.SlugRelatedField(
        slug_field="name",
        queryset=Snapshot.objects.all(),
        required=False,
        help_text="Compute from this frozen snapshot's mapping set (its name).",
    )
    as_of = serializers.DateTimeField(
        required=False,
        help_text="Compute from the mappings approved at this moment (ISO 8601 date-time) and not retracted by then.",
    )

    def validate(self, attrs):
        if "snapshot" in attrs and "as_of" in attrs:
            raise serializers.ValidationError({"as_of": ["Give either snapshot or as_of, not both."]})
        return attrs


class GapMapQuerySerializer(CoverageQuerySerializer):
    depth = serializers.IntegerField(
        required=False, default=0, min_value=0, max_value=20, help_text="Depth of the fault categories (0 = top)."
    )


class ComputedFromSerializer(serializers.Serializer):
    snapshot = serializers.CharField(allow_null=True, help_text="Snapshot name, or null for live data.")
    as_of = serializers.DateTimeField(allow_null=True)


class LeafSharesSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    addressed = serializers.IntegerField()
    partial = serializers.IntegerField()
    unaddressed = serializers.IntegerField()
    addressed_pct = serializers.FloatField(allow_null=True)
    partial_pct = serializers.FloatField(allow_null=True)
    unaddressed_pct = serializers.FloatField(allow_null=True)


class PracticeSharesSerializer(serializers.Serializer):
    classified = serializers.IntegerField(help_text="Records classified to a leaf: the denominator.")
    unclassified = serializers.IntegerField()
    on_category = serializers.IntegerField(help_text="Records classified to a category: not in the denominator.")
    addressed = serializers.IntegerField()
    partial = serializers.IntegerField()
    unaddressed = serializers.IntegerField()
    unaddressed_pct = serializers.FloatField(allow_null=True)


class PaperTotalsSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    mappings = serializers.IntegerField()
    explicit = serializers.IntegerField()
    partial = serializers.IntegerField()
    category_level = serializers.IntegerField()


class ChallengeTotalsSerializer(serializers.Serializer):
    confirmed = serializers.IntegerField()


class ReportedComparisonSerializer(serializers.Serializer):
    key = serializers.CharField()
    value = serializers.FloatField()
    unit = serializers.ChoiceField(choices=ReportedFigure.Unit.choices)
    of = serializers.CharField()
    locator = serializers.CharField(allow_blank=True)
    source = serializers.CharField(help_text="Citation of the source that reports the figure.")
    source_key = serializers.CharField()
    computed_counterpart = serializers.CharField(allow_null=True)
    computed = serializers.FloatField(allow_null=True, help_text="The computed figure shown beside it.")


@extend_schema_serializer(many=False)
class CoverageSummarySerializer(serializers.Serializer):
    """``summaries.summary_dict()`` (the form ``manage.py coverage --json`` prints) plus what it was computed from."""

    computed_from = ComputedFromSerializer()
    leaves = LeafSharesSerializer()
    github = PracticeSharesSerializer()
    interviews = PracticeSharesSerializer()
    stackoverflow = PracticeSharesSerializer()
    papers = PaperTotalsSerializer()
    challenges = ChallengeTotalsSerializer()
    reported = ReportedComparisonSerializer(many=True)


class EvidenceCountsSerializer(serializers.Serializer):
    github = serializers.IntegerField()
    stackoverflow = serializers.IntegerField()
    interviews = serializers.IntegerField()
    total = serializers.IntegerField()


class _RowFaultFields(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField(source="fault.name")
    url = serializers.SerializerMethodField()
    kind = serializers.ChoiceField(source="fault.kind", choices=Fault.Kind.choices)
    parent_code = serializers.CharField(allow_null=True)
    depth = serializers.IntegerField()

    def get_url(self, row) -> str:
        return reverse("api:fault-detail", kwargs={"code": row.code}, request=self.context.get("request"))


class FaultCoverageSerializer(_RowFaultFields):
    """One row of ``coverage.compute()``: a fault's status and counts."""

    status = serializers.ChoiceField(
        choices=[(s.value, s.label) for s in Status], allow_null=True, help_text="Null for categories."
    )
    status_label = serializers.CharField()
    explicit = serializers.IntegerField(help_text="Approved explicit mappings directly on this node.")
    partial = serializers.IntegerField(help_text="Approved partial mappings directly on this node.")
    papers = serializers.IntegerField(help_text="Distinct papers mapped directly to this node.")
    papers_subtree = serializers.IntegerField(help_text="Distinct papers mapped to this node or below.")
    category_mappings_subtree = serializers.IntegerField(help_text="Mappings to categories in this subtree.")
    evidence = EvidenceCountsSerializer(help_text="Practitioner evidence classified directly to this node.")
    evidence_subtree = EvidenceCountsSerializer()
    leaves = serializers.IntegerField()
    leaves_addressed = serializers.IntegerField()
    leaves_partial = serializers.IntegerField()
    leaves_unaddressed = serializers.IntegerField()
    challenges = serializers.IntegerField()
    methods = serializers.ListField(child=serializers.CharField(), help_text="Method codes of the direct mappings.")


class CategoryCoverageSerializer(_RowFaultFields):
    """A category's roll-up of its subtree (a ``coverage.compute()`` row with its leaf shares)."""

    leaves = serializers.IntegerField()
    leaves_addressed = serializers.IntegerField()
    leaves_partial = serializers.IntegerField()
    leaves_unaddressed = serializers.IntegerField()
    addressed_pct = serializers.FloatField(allow_null=True, help_text="Share of the subtree's leaves addressed.")
    partial_pct = serializers.FloatField(allow_null=True, help_text="Share partially addressed.")
    unaddressed_pct = serializers.FloatField(allow_null=True, help_text="Share unaddressed.")
    papers_subtree = serializers.IntegerField()
    category_mappings_subtree = serializers.IntegerField(
        help_text="Mappings to categories in this subtree: research on the category as a whole."
    )
    evidence_subtree = EvidenceCountsSerializer()
    challenges = serializers.IntegerField()


class CodeNameSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class GapCellSerializer(serializers.Serializer):
    category = CodeNameSerializer()
    method = CodeNameSerializer()
    papers = serializers.IntegerField(help_text="Distinct papers using the method on a fault in the category.")


class PapersPerYearSerializer(serializers.Serializer):
    year = serializers.IntegerField(allow_null=True)
    method = serializers.CharField(help_text="Top-level method code.")
    papers = serializers.IntegerField()


class LayerMetadataSerializer(serializers.Serializer):
    name = serializers.CharField()
    value = serializers.CharField()


class LayerTechniqueSerializer(serializers.Serializer):
    techniqueID = serializers.CharField(help_text="The fault id.")  # noqa: N815 (the Navigator's key)
    score = serializers.IntegerField(
        required=False, help_text="Leaves only: 2 addressed, 1 partially addressed, 0 unaddressed."
    )
    color = serializers.CharField()
    comment = serializers.CharField()
    enabled = serializers.BooleanField()
    showSubtechniques = serializers.BooleanField()  # noqa: N815
    metadata = LayerMetadataSerializer(many=True)


class LayerLegendItemSerializer(serializers.Serializer):
    label = serializers.CharField()
    color = serializers.CharField()


class LayerGradientSerializer(serializers.Serializer):
    colors = serializers.ListField(child=serializers.CharField())
    minValue = serializers.IntegerField()  # noqa: N815
    maxValue = serializers.IntegerField()  # noqa: N815


class LayerVersionsSerializer(serializers.Serializer):
    layer = serializers.CharField()
    navigator = serializers.CharField()


class LayerSerializer(serializers.Serializer):
    """An ATT&CK Navigator-style layer: one technique per fault id with its coverage score and a legend."""

    name = serializers.CharField()
    versions = LayerVersionsSerializer()
    domain = serializers.CharField()
    description = serializers.CharField()
    sorting = serializers.IntegerField()
    hideDisabled = serializers.BooleanField()  # noqa: N815
    techniques = LayerTechniqueSerializer(many=True)
    gradient = LayerGradientSerializer()
    legendItems = LayerLegendItemSerializer(many=True)  # noqa: N815
    metadata = LayerMetadataSerializer(many=True)
