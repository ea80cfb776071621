from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from taxonomy.models import Strength
from triage.validators import validate_report_text


class ClassifyRequestSerializer(serializers.Serializer):
    text = serializers.CharField(
        trim_whitespace=False, help_text="The bug report: title, body, stack trace, code (at most 50 kB of UTF-8)."
    )

    def validate_text(self, value):
        try:
            validate_report_text(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None
        return value


@extend_schema_field(OpenApiTypes.URI)
class PageField(serializers.Field):
    """The absolute URL of an object's page in the knowledge base (``get_absolute_url``)."""

    def to_representation(self, value):
        request = self.context.get("request")
        url = value.get_absolute_url()
        return request.build_absolute_uri(url) if request else url


class ClassifyCategorySerializer(serializers.Serializer):
    fault = serializers.CharField(source="fault.code", allow_null=True, help_text="Top-level fault id; null: Others")
    name = serializers.CharField()
    probability = serializers.FloatField(help_text="Calibrated probability, 0..1; the categories sum to 1.")
    url = PageField(source="fault", allow_null=True)


class ClassifyLeafSerializer(serializers.Serializer):
    fault = serializers.CharField(source="fault.code")
    name = serializers.CharField(source="fault.name")
    category = serializers.CharField(source="category.code")
    score = serializers.FloatField(help_text="TF-IDF cosine similarity of the text to the leaf, 0..1.")
    status = serializers.ChoiceField(choices=["addressed", "partial", "unaddressed"])
    why = serializers.ListField(child=serializers.CharField(), help_text="The words that drove the score.")
    url = PageField(source="fault")


class ClassifyPaperSerializer(serializers.Serializer):
    key = serializers.CharField(source="paper.key")
    title = serializers.CharField(source="paper.title")
    year = serializers.IntegerField(source="paper.year", allow_null=True)
    fault = serializers.CharField(source="fault.code")
    strength = serializers.ChoiceField(choices=Strength.choices)
    url = PageField(source="paper")


class ClassifyEvidenceSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["github", "stackoverflow", "interview"])
    label = serializers.CharField()
    text = serializers.CharField(help_text="The labellers' final tag, or the interview mention's tag.")
    url = serializers.CharField(help_text="The original record, or the interview transcript.")
    fault = serializers.CharField(source="fault.code")
    score = serializers.FloatField()
    why = serializers.ListField(child=serializers.CharField())


class ClassifyChallengeSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    url = PageField(source="*")


class ClassifyResponseSerializer(serializers.Serializer):
    categories = ClassifyCategorySerializer(many=True, help_text="Most probable first.")
    leaves = ClassifyLeafSerializer(many=True, help_text="Under each likely top-level fault, most similar first.")
    papers = ClassifyPaperSerializer(
        many=True, source="mappings", help_text="Approved mappings to those leaves, explicit first."
    )
    similar_evidence = ClassifyEvidenceSerializer(many=True)
    challenges = ClassifyChallengeSerializer(many=True)
