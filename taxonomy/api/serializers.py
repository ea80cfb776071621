from rest_framework import serializers
from rest_framework.reverse import reverse

from taxonomy.models import Fault, Method, ReportedFigure, Source

#
# Brief forms, nested by every other resource
#


class FaultBriefSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:fault-detail", lookup_field="code")

    class Meta:
        model = Fault
        fields = ["id", "url", "code", "name", "kind"]


class MethodBriefSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:method-detail", lookup_field="code")

    class Meta:
        model = Method
        fields = ["id", "url", "code", "name"]


class SourceBriefSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:source-detail", lookup_field="key")

    class Meta:
        model = Source
        fields = ["id", "url", "key", "title"]


#
# Faults
#


class FaultSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:fault-detail", lookup_field="code")
    parent = FaultBriefSerializer(read_only=True, allow_null=True)
    source = serializers.SlugRelatedField(slug_field="key", read_only=True, allow_null=True)
    children_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Fault
        fields = [
            "id",
            "url",
            "code",
            "slug",
            "name",
            "definition",
            "kind",
            "origin",
            "parent",
            "source",
            "first_seen_in",
            "replication_code",
            "provenance",
            "position",
            "children_count",
        ]


class FaultDetailSerializer(FaultSerializer):
    children = FaultBriefSerializer(many=True, read_only=True)

    class Meta(FaultSerializer.Meta):
        fields = [*FaultSerializer.Meta.fields, "children"]


class FaultTreeNodeSerializer(serializers.Serializer):
    """One node of ``/api/faults/tree/`` with its children, recursively (built from ``taxonomy.tree``)."""

    code = serializers.CharField(source="fault.code")
    slug = serializers.CharField(source="fault.slug")
    name = serializers.CharField(source="fault.name")
    kind = serializers.ChoiceField(source="fault.kind", choices=Fault.Kind.choices)
    depth = serializers.IntegerField()
    url = serializers.SerializerMethodField()
    children = serializers.SerializerMethodField()

    def get_url(self, node) -> str:
        return reverse("api:fault-detail", kwargs={"code": node.fault.code}, request=self.context.get("request"))

    def get_children(self, node) -> list[dict]:
        return FaultTreeNodeSerializer(node.children, many=True, context=self.context).data


#
# Sources and reported figures
#


class SourceSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:source-detail", lookup_field="key")
    citation = serializers.CharField(read_only=True)
    link = serializers.CharField(source="url", read_only=True, help_text="Web address, or empty.")

    class Meta:
        model = Source
        fields = [
            "id",
            "url",
            "key",
            "title",
            "authors",
            "year",
            "venue",
            "doi",
            "arxiv_id",
            "link",
            "licence",
            "attribution",
            "note",
            "citation",
        ]


class ReportedFigureSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:reported-figure-detail", lookup_field="key")
    source = SourceBriefSerializer(read_only=True)
    citation = serializers.CharField(source="source.citation", read_only=True)
    value = serializers.DecimalField(max_digits=10, decimal_places=2, coerce_to_string=False, read_only=True)
    display_value = serializers.CharField(read_only=True)

    class Meta:
        model = ReportedFigure
        fields = [
            "id",
            "url",
            "key",
            "value",
            "display_value",
            "unit",
            "of",
            "locator",
            "numerator",
            "denominator",
            "computed_counterpart",
            "position",
            "source",
            "citation",
        ]
