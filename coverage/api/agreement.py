"""``/api/agreement/``: the inter-coder agreement figures of ``coverage/agreement.py`` (the page's own)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.viewsets import GenericViewSet

from coverage.agreement import STRENGTHS, AgreementFigures, AgreementReport, filtered_agreement
from coverage.filtersets import AgreementFilterSet
from kb_site.api.filters import FilterBackend, validated_filterset
from papers.blind import blind_paper_ids, visible_papers
from papers.models import Coding


class ShareSerializer(serializers.Serializer):
    numerator = serializers.IntegerField()
    denominator = serializers.IntegerField()
    pct = serializers.DecimalField(max_digits=4, decimal_places=1, coerce_to_string=False, allow_null=True)


class FractionSerializer(serializers.Serializer):
    numerator = serializers.IntegerField()
    denominator = serializers.IntegerField()


class KappaSerializer(serializers.Serializer):
    n = serializers.IntegerField(help_text="(paper, fault) pairs coded by both coders.")
    value = serializers.DecimalField(
        source="rounded", max_digits=5, decimal_places=3, coerce_to_string=False, allow_null=True
    )
    p_o = FractionSerializer(source="observed", allow_null=True, help_text="Observed agreement, exact.")
    p_e = FractionSerializer(source="expected", allow_null=True, help_text="Chance agreement from the marginals.")
    undefined = serializers.CharField(help_text="Why kappa is undefined (empty when it is defined).")


class ConfusionCellSerializer(serializers.Serializer):
    first = serializers.CharField(help_text="The first coder's strength.")
    second = serializers.CharField(help_text="The second coder's strength.")
    count = serializers.IntegerField()


class FiguresSerializer(serializers.Serializer):
    label = serializers.CharField()
    papers = serializers.IntegerField()
    fault_set = ShareSerializer(help_text="(paper, fault) pairs coded by both / coded by either.")
    strength = ShareSerializer(help_text="Pairs both coded with the same strength / pairs both coded.")
    kappa = KappaSerializer()
    branch = ShareSerializer(help_text="Mappings with a same-branch mapping by the other coder / all mappings.")
    confusion = serializers.SerializerMethodField()

    def get_confusion(self, figures: AgreementFigures) -> list[dict]:
        return [{"first": a, "second": b, "count": figures.confusion[(a, b)]} for a in STRENGTHS for b in STRENGTHS]


class CodedFaultSerializer(serializers.Serializer):
    fault = serializers.CharField(source="fault.code")
    name = serializers.CharField(source="fault.name")
    category = serializers.CharField(source="category.code")
    first = serializers.CharField(allow_null=True, help_text="The first coder's strength, or null: not coded.")
    second = serializers.CharField(allow_null=True)
    first_matched = serializers.BooleanField()
    second_matched = serializers.BooleanField()


class PairSerializer(serializers.Serializer):
    paper = serializers.CharField(source="paper.key")
    title = serializers.CharField(source="paper.title")
    sample = serializers.CharField()
    coders = serializers.CharField()
    adjudicated = serializers.BooleanField()
    disagrees = serializers.BooleanField()
    faults = CodedFaultSerializer(many=True)


class DependenceSerializer(serializers.Serializer):
    fault = serializers.CharField(source="fault.code")
    paper = serializers.CharField(source="pair.paper.key")
    sample = serializers.CharField(source="pair.sample")
    pending = serializers.BooleanField()
    status_first = serializers.CharField()
    status_second = serializers.CharField()


@extend_schema_serializer(many=False)  # GET /api/agreement/ answers one report, not a list
class AgreementSerializer(serializers.Serializer):
    snapshot = serializers.CharField(source="snapshot.name", allow_null=True, default=None)
    overall = FiguresSerializer()
    by_sample = FiguresSerializer(many=True)
    by_coders = FiguresSerializer(many=True)
    by_category = FiguresSerializer(many=True)
    dependences = DependenceSerializer(many=True, help_text="Leaves whose status depends on the coding taken.")
    pairs = PairSerializer(many=True)


def csv_rows(report: AgreementReport) -> list[dict]:
    """One row per scope (overall, each sample, coder pair and category): the CSV export."""
    scopes = [("overall", report.overall)]
    scopes += [("sample", f) for f in report.by_sample]
    scopes += [("coders", f) for f in report.by_coders]
    scopes += [("category", f) for f in report.by_category]
    return [
        {
            "scope": scope,
            "label": f.label,
            "papers": f.papers,
            "fault_set_both": f.fault_set.numerator,
            "fault_set_either": f.fault_set.denominator,
            "strength_same": f.strength.numerator,
            "strength_both": f.strength.denominator,
            "kappa": f.kappa.rounded,
            "kappa_undefined": f.kappa.undefined,
            "branch_matched": f.branch.numerator,
            "branch_all": f.branch.denominator,
        }
        for scope, f in scopes
    ]


@extend_schema(summary="Inter-coder agreement", responses=AgreementSerializer, filters=True)
class AgreementViewSet(GenericViewSet):
    """Agreement of the independent codings: fault-set, strength (with Cohen's kappa) and branch agreement,
    each with numerator and denominator, overall, per sample, coder pair and top-level category; ``?format=csv``
    gives one row per scope."""

    permission_classes = [AllowAny]
    queryset = Coding.objects.all()
    filterset_class = AgreementFilterSet
    filter_backends = [FilterBackend]
    pagination_class = None
    serializer_class = AgreementSerializer

    def get_queryset(self):
        return visible_papers(super().get_queryset(), self.request)  # none of a paper the user codes blind

    def list(self, request):
        # The filter backend is declared for the schema; the filterset is validated once here (a 400 otherwise).
        filterset = validated_filterset(AgreementFilterSet(request.query_params, self.get_queryset(), request=request))
        report = filtered_agreement(filterset, blind=bool(blind_paper_ids(request)))
        if request.accepted_renderer.format == "csv":
            return Response(csv_rows(report))
        return Response(AgreementSerializer(report).data)

    def get_csv_serializer(self):
        return None
