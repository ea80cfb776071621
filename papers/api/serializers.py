from rest_framework import serializers

from papers.bibtex import paper_to_bibtex
from papers.models import CodedMapping, Coding, FaultMapping, Paper
from taxonomy.api.serializers import FaultBriefSerializer, MethodBriefSerializer

#
# Brief forms
#


class PaperBriefSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:paper-detail", lookup_field="key")

    class Meta:
        model = Paper
        fields = ["id", "url", "key", "title", "year"]


class PaperMappingBriefSerializer(serializers.ModelSerializer):
    """An approved mapping as the paper list shows it: the fault and how directly the paper targets it."""

    fault = FaultBriefSerializer(read_only=True)

    class Meta:
        model = FaultMapping
        fields = ["strength", "fault"]


#
# Papers
#


class PaperSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:paper-detail", lookup_field="key")
    link = serializers.CharField(read_only=True, help_text="DOI, arXiv or web address of the paper.")
    external_url = serializers.CharField(source="url", read_only=True, help_text="Web address, or empty.")
    abstract_source_url = serializers.CharField(read_only=True, help_text="Where the abstract was read, or empty.")
    authors = serializers.ListField(child=serializers.CharField(), read_only=True)
    authors_display = serializers.CharField(read_only=True)
    source = serializers.SlugRelatedField(slug_field="key", read_only=True, allow_null=True)
    methods = MethodBriefSerializer(many=True, read_only=True)
    phases = serializers.ListField(child=serializers.CharField(), read_only=True)
    targets = serializers.ListField(child=serializers.CharField(), read_only=True)
    mapping_count = serializers.IntegerField(read_only=True, help_text="Approved mappings of this paper.")
    mappings = PaperMappingBriefSerializer(source="approved_mappings", many=True, read_only=True)

    class Meta:
        model = Paper
        fields = [
            "id",
            "url",
            "key",
            "title",
            "authors",
            "authors_complete",
            "authors_display",
            "year",
            "venue",
            "doi",
            "arxiv_id",
            "link",
            "external_url",
            "abstract_source_url",
            "abstract_read",
            "origin",
            "source",
            "evidence_note",
            "quote",
            "quote_locator",
            "methods",
            "phases",
            "targets",
            "created_at",
            "updated_at",
            "mapping_count",
            "mappings",
        ]


class PaperBibTeXSerializer(serializers.BaseSerializer):
    """A paper as one BibTeX entry (``?format=bibtex``)."""

    def to_representation(self, instance) -> str:
        return paper_to_bibtex(instance)


#
# Mappings
#


class FaultMappingSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:mapping-detail", lookup_field="uid")
    paper = PaperBriefSerializer(read_only=True)
    fault = FaultBriefSerializer(read_only=True)
    methods = MethodBriefSerializer(many=True, read_only=True)
    phases = serializers.ListField(child=serializers.CharField(), read_only=True)
    targets = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = FaultMapping
        fields = [
            "id",
            "url",
            "uid",
            "paper",
            "fault",
            "strength",
            "methods",
            "phases",
            "targets",
            "rationale",
            "evidence_kind",
            "evidence_note",
            "quote",
            "quote_locator",
            "curated_by",
            "approved_at",
            "created_at",
            "updated_at",
        ]


class PaperDetailSerializer(PaperSerializer):
    mappings = FaultMappingSerializer(source="approved_mappings", many=True, read_only=True)
    mapping_count = None

    class Meta(PaperSerializer.Meta):
        fields = [field for field in PaperSerializer.Meta.fields if field != "mapping_count"]


#
# Double coding
#


class CodedMappingSerializer(serializers.ModelSerializer):
    fault = FaultBriefSerializer(read_only=True)

    class Meta:
        model = CodedMapping
        fields = ["fault", "strength", "evidence_kind", "rationale"]


class CodingSerializer(serializers.ModelSerializer):
    """One coder's independent coding of a paper (never counted in coverage)."""

    url = serializers.HyperlinkedIdentityField(view_name="api:coding-detail", lookup_field="uid")
    paper = PaperBriefSerializer(read_only=True)
    adjudication = serializers.SerializerMethodField(help_text="pending, or done once a curator has decided.")
    methods = MethodBriefSerializer(many=True, read_only=True)
    mappings = CodedMappingSerializer(many=True, read_only=True)

    class Meta:
        model = Coding
        fields = [
            "uid",
            "url",
            "paper",
            "sample",
            "round",
            "coder",
            "submitted_at",
            "adjudication",
            "methods",
            "note",
            "abstract_source_url",
            "mappings",
        ]

    def get_adjudication(self, coding) -> str:
        return "done" if coding.adjudicated else "pending"
