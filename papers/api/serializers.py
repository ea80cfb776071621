from django import forms
from rest_framework import serializers
from rest_framework.fields import empty
from rest_framework.settings import api_settings

from papers.bibtex import paper_to_bibtex
from papers.citations import paper_csl
from papers.forms import TARGET_CHOICES, MappingForm, PaperForm
from papers.models import CodedMapping, Coding, FaultMapping, Paper, Submission
from taxonomy.api.serializers import FaultBriefSerializer, MethodBriefSerializer
from taxonomy.models import Phase, Strength

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
    link = serializers.CharField(
        read_only=True,
        help_text="The paper's DOI, arXiv or canonical web address; empty when none is known (never the page where "
        "its abstract was read: that is abstract_source_url).",
    )
    external_url = serializers.CharField(source="url", read_only=True, help_text="Web address, or empty.")
    abstract_source_url = serializers.CharField(read_only=True, help_text="Where the abstract was read, or empty.")
    authors = serializers.ListField(child=serializers.CharField(), read_only=True)
    authors_display = serializers.CharField(read_only=True)
    source = serializers.SlugRelatedField(slug_field="key", read_only=True, allow_null=True)
    methods = MethodBriefSerializer(many=True, read_only=True)
    phases = serializers.ListField(child=serializers.CharField(), read_only=True)
    targets = serializers.ListField(child=serializers.CharField(), read_only=True)
    mapping_count = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="Approved mappings of this paper; null when they are hidden."
    )
    mappings = PaperMappingBriefSerializer(source="approved_mappings", many=True, read_only=True)
    hidden = serializers.CharField(
        read_only=True,
        allow_null=True,
        default=None,
        help_text="Why the mappings are left out (empty list): “hidden while you code this paper blind” for the "
        "curator who codes it blind until they submit; null otherwise.",
    )

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
            "hidden",
        ]


class PaperBibTeXSerializer(serializers.BaseSerializer):
    """A paper as one BibTeX entry (``?format=bibtex``)."""

    def to_representation(self, instance) -> str:
        return paper_to_bibtex(instance)


class PaperCSLSerializer(serializers.BaseSerializer):
    """A paper as one CSL-JSON item (``?format=csljson``, and the source of ``?format=ris``)."""

    def to_representation(self, instance) -> dict:
        request = self.context.get("request")
        url = request.build_absolute_uri(instance.get_absolute_url()) if request else instance.get_absolute_url()
        return paper_csl(instance, url)


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
            "methods",
            *FaultMapping.CURATED_FIELDS,
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
# Submissions: what is sent (the request body) and what is answered
#


class MappingOutSerializer(serializers.ModelSerializer):
    fault = serializers.SlugRelatedField(slug_field="code", read_only=True)
    fault_name = serializers.CharField(source="fault.name", read_only=True)
    methods = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = FaultMapping
        fields = [
            "uid",
            "fault",
            "fault_name",
            "methods",
            *FaultMapping.CURATED_FIELDS,
            "status",
            "approved_at",
            "retracted_at",
        ]


class PaperOutSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    authors = serializers.ListField(child=serializers.CharField())
    year = serializers.IntegerField(allow_null=True)
    venue = serializers.CharField()
    doi = serializers.CharField(allow_null=True)
    arxiv_id = serializers.CharField(allow_null=True)
    url = serializers.CharField()
    status = serializers.CharField()


class SubmissionSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:submission-detail", lookup_field="uid")
    web_url = serializers.CharField(source="get_absolute_url", read_only=True)
    submitter = serializers.CharField(source="submitter.username", read_only=True)
    claimed_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    reviewed_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    paper = PaperOutSerializer(read_only=True)
    mappings = MappingOutSerializer(many=True, read_only=True)

    class Meta:
        model = Submission
        fields = [
            "uid",
            "url",
            "web_url",
            "status",
            "submitter",
            "paper",
            "creates_paper",
            "comment",
            "mappings",
            "created_at",
            "updated_at",
            "claimed_by",
            "claimed_at",
            "reviewed_by",
            "reviewed_at",
            "review_reason",
            "edited_by",
            "edited_at",
        ]


#
# The request body of a submission. These serializers check the JSON types (and document them in the schema); the
# values then go through the web form's validation (``papers.validation``), so the rules and messages are the same
# on both. A field is required here exactly when its form field is, with the form's message.
#


class JSONString(serializers.CharField):
    """A JSON string: a number is not coerced into one. Blank passes, so the form says what is missing."""

    def __init__(self, **kwargs):
        super().__init__(allow_blank=True, **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class JSONInteger(serializers.IntegerField):
    """A JSON integer: neither a string of digits nor a boolean."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return data


class JSONChoice(serializers.ChoiceField):
    """A string from ``choices`` (the schema's enum); the form says when it is not one of them (or is blank)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid_choice", input=data)
        return data


def _as_in_form(form_class: type[forms.Form], name: str, **kwargs) -> dict:
    """``required`` and its message as the form field ``name`` has them, plus ``kwargs`` (for the fields below)."""
    form_field = form_class.base_fields[name]
    messages = {"required": form_field.error_messages["required"]}
    if name == "year":
        messages["invalid"] = form_field.error_messages["invalid"]
    return {"required": form_field.required, "error_messages": messages, **kwargs}


class PaperInSerializer(serializers.Serializer):
    """A new paper's metadata as sent; ``papers.forms.PaperForm`` checks the values."""

    title = JSONString(**_as_in_form(PaperForm, "title"))
    authors = serializers.ListField(
        child=JSONString(), **_as_in_form(PaperForm, "authors", help_text="Author names, in order.")
    )
    year = JSONInteger(**_as_in_form(PaperForm, "year"))
    venue = JSONString(**_as_in_form(PaperForm, "venue", allow_null=True))
    doi = JSONString(**_as_in_form(PaperForm, "doi", allow_null=True, help_text="DOI, arXiv id or URL: one at least."))
    arxiv_id = JSONString(**_as_in_form(PaperForm, "arxiv_id", allow_null=True))
    url = JSONString(**_as_in_form(PaperForm, "url", allow_null=True))


class MappingListSerializer(serializers.ListSerializer):
    """Errors shaped like the request, as the forms' are: one object per mapping (empty for a good one), or the
    messages themselves when ``mappings`` is not a list (or too long)."""

    def run_validation(self, data=empty):
        try:
            return super().run_validation(data)
        except serializers.ValidationError as exc:
            detail = exc.detail
            if isinstance(detail, dict) and set(detail) == {api_settings.NON_FIELD_ERRORS_KEY}:
                raise serializers.ValidationError(detail[api_settings.NON_FIELD_ERRORS_KEY]) from exc
            if isinstance(detail, dict) and isinstance(data, list):
                raise serializers.ValidationError([detail.get(index, {}) for index in range(len(data))]) from exc
            raise


class MappingInSerializer(serializers.Serializer):
    """One mapping as sent; ``papers.forms.MappingForm`` checks the values."""

    class Meta:
        list_serializer_class = MappingListSerializer

    fault = JSONString(**_as_in_form(MappingForm, "fault", help_text="Fault id, e.g. H-1.2.3-1."))
    strength = JSONChoice(Strength.choices, **_as_in_form(MappingForm, "strength"))
    methods = serializers.ListField(
        child=JSONString(), **_as_in_form(MappingForm, "methods", help_text="Method codes, e.g. M-T-GEN.")
    )
    phases = serializers.ListField(child=JSONChoice(Phase.choices), **_as_in_form(MappingForm, "phases"))
    targets = serializers.ListField(
        child=JSONChoice(TARGET_CHOICES), **_as_in_form(MappingForm, "targets", help_text="Target artefacts.")
    )
    rationale = JSONString(
        **_as_in_form(
            MappingForm, "rationale", help_text="The evidence: what in the paper shows it addresses this fault."
        )
    )
    evidence_kind = JSONChoice(  # blank: the abstract
        FaultMapping.EvidenceKind.choices, allow_blank=True, **_as_in_form(MappingForm, "evidence_kind")
    )
    evidence_note = JSONString(**_as_in_form(MappingForm, "evidence_note"))
    quote = JSONString(**_as_in_form(MappingForm, "quote"))
    quote_locator = JSONString(
        **_as_in_form(MappingForm, "quote_locator", help_text="Section, page or table (required with a quote).")
    )


class SubmissionWriteSerializer(serializers.Serializer):
    """A submission as sent: a new ``paper`` (or ``bibtex``), or an existing ``paper_key``; and ``mappings``."""

    paper = PaperInSerializer(required=False, help_text="A new paper's metadata.")
    paper_key = JSONString(required=False, help_text="Key of a paper already in the knowledge base.")
    bibtex = JSONString(required=False, help_text="One BibTeX entry; fills in the new paper's fields.")
    comment = JSONString(required=False)
    mappings = MappingInSerializer(many=True, max_length=50)

    def validate(self, attrs):
        if attrs.get("paper_key") and (attrs.get("paper") or attrs.get("bibtex")):
            raise serializers.ValidationError({"paper_key": ["Give either paper_key or a new paper, not both."]})
        return attrs


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=4000)


class RetractionSerializer(serializers.Serializer):
    mapping = serializers.UUIDField(help_text="uid of the approved mapping to retract.")
    reason = serializers.CharField(max_length=2000)


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
