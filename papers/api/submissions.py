"""Submissions API: researchers submit and follow their submissions; curators review them and retract mappings.

Validation is the web form's (``papers.submissions``): the JSON body is fed into the same forms, so every rule
and message is the same. Researchers see only their own submissions (others' are 404); curators see all. Who may
edit a submission (``PUT``) is ``papers.submissions.edit_role``, the rule of the web's edit pages.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.viewsets import GenericViewSet

from accounts.roles import RETRACT_PERMISSION, is_curator
from kb_site.api.filters import FilterBackend
from papers import submissions
from papers.forms import SubmissionFilterSet, Vocabulary
from papers.models import FaultMapping, Submission

#
# Permissions and throttling
#


class IsCurator(BasePermission):
    message = "Only curators may do this."

    def has_permission(self, request, view):
        return is_curator(request.user)


class CanRetract(BasePermission):
    message = "Only curators may retract mappings."

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.has_perm(RETRACT_PERMISSION))


class SubmissionRateThrottle(ScopedRateThrottle):
    """The ``submissions`` scope, its rate read from settings at request time (so tests may override it)."""

    scope_attr = "throttle_scope"

    def get_rate(self):
        return submissions.submission_rate_setting()


#
# Serializers
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
            "strength",
            "methods",
            "phases",
            "targets",
            "rationale",
            "evidence_kind",
            "evidence_note",
            "quote",
            "quote_locator",
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
    claimed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    reviewed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
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


class MappingInSerializer(serializers.Serializer):
    """The shape of one mapping in a request (values are validated by ``papers.forms.MappingForm``)."""

    fault = serializers.CharField(help_text="Fault id, e.g. H-1.2.3-1.")
    strength = serializers.ChoiceField(choices=["explicit", "partial"])
    methods = serializers.ListField(child=serializers.CharField(), help_text="Method codes, e.g. M-T-GEN.")
    phases = serializers.ListField(child=serializers.CharField(), help_text="detection, localisation, fixing")
    targets = serializers.ListField(child=serializers.CharField(), help_text="Target artefacts, e.g. DL program.")
    rationale = serializers.CharField(help_text="The evidence: what in the paper shows it addresses this fault.")
    evidence_kind = serializers.CharField(required=False, help_text="Where the evidence was read (abstract, …).")
    evidence_note = serializers.CharField(required=False, allow_blank=True)
    quote = serializers.CharField(required=False, allow_blank=True)
    quote_locator = serializers.CharField(required=False, allow_blank=True, help_text="Section, page or table.")


class PaperInSerializer(serializers.Serializer):
    title = serializers.CharField()
    authors = serializers.ListField(child=serializers.CharField())
    year = serializers.IntegerField()
    venue = serializers.CharField(required=False, allow_blank=True)
    doi = serializers.CharField(required=False, allow_blank=True)
    arxiv_id = serializers.CharField(required=False, allow_blank=True)
    url = serializers.CharField(required=False, allow_blank=True)


class SubmissionWriteSerializer(serializers.Serializer):
    """A submission as sent: a new ``paper`` (or ``bibtex``), or an existing ``paper_key``; and ``mappings``.

    Only the JSON shape is checked here; the values go through the web form's validation
    (``papers.submissions.validate``), so the rules and messages are the same on both.
    """

    paper = serializers.DictField(required=False, help_text="A new paper's metadata (see PaperIn).")
    paper_key = serializers.CharField(required=False, help_text="Key of a paper already in the knowledge base.")
    bibtex = serializers.CharField(required=False, help_text="One BibTeX entry; fills in the new paper's fields.")
    comment = serializers.CharField(required=False, allow_blank=True)
    mappings = serializers.ListField(child=serializers.DictField(), max_length=50)

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
# Views
#


# A review action that no longer applies (already decided, claimed by someone else): {"detail": message}.
CONFLICT = OpenApiResponse(
    inline_serializer("Conflict", {"detail": serializers.CharField()}),
    description="The submission or mapping is no longer in a state this action applies to.",
)


def _conflict(exc: Exception) -> Response:
    return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)


class SubmissionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, GenericViewSet):
    """Submit a paper with mappings, follow your submissions; curators claim, approve, reject, request changes."""

    serializer_class = SubmissionSerializer
    filterset_class = SubmissionFilterSet
    lookup_field = "uid"
    permission_classes = [IsAuthenticated]
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer]
    # Sorting is SubmissionFilterSet's ``ordering`` (age, submitter, fault), the same as on the review queue page.
    # The API's strict backend: a blank or repeated choice (``?status=``) is a 400 naming the parameter, as on
    # every other list (and as the schema's enums say).
    filter_backends = [FilterBackend]
    throttle_scope = "submissions"
    curator_actions = {"claim", "approve", "reject", "request_changes"}

    def get_queryset(self):
        user = self.request.user
        if getattr(self, "swagger_fake_view", False) or not user.is_authenticated:
            return Submission.objects.none()
        queryset = SubmissionFilterSet.annotate(Submission.objects.for_list()).order_by("-created_at")
        return queryset if is_curator(user) else queryset.filter(submitter=user)

    def get_permissions(self):
        if self.action in self.curator_actions:
            return [IsAuthenticated(), IsCurator()]
        return super().get_permissions()

    def get_throttles(self):
        throttles = super().get_throttles()
        if self.action in ("create", "update"):
            throttles.append(SubmissionRateThrottle())
        return throttles

    def _save(self, request, editing: Submission | None):
        shape = SubmissionWriteSerializer(data=request.data)
        shape.is_valid(raise_exception=True)
        body = shape.validated_data
        forms = submissions.SubmissionForms.from_json(body, Vocabulary.load(), editing=editing)
        try:
            if editing is None:
                submission = submissions.submit(request.user, forms)
            else:
                submission = submissions.edit(request.user, editing, forms)
        except submissions.SubmissionInvalid:
            return Response(forms.errors_dict(), status=status.HTTP_400_BAD_REQUEST)
        submission = self.get_queryset().get(pk=submission.pk)
        data = SubmissionSerializer(submission, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED if editing is None else status.HTTP_200_OK)

    @extend_schema(request=SubmissionWriteSerializer, responses={201: SubmissionSerializer})
    def create(self, request):
        return self._save(request, None)

    @extend_schema(
        request=SubmissionWriteSerializer,
        responses={200: SubmissionSerializer, 409: CONFLICT},
        summary="Edit: your own submission after a curator requested changes (resubmits it), "
        "or, as a curator, any pending or sent-back one",
        description="A curator's edit keeps the submission's status and its submitter's ``comment`` (a ``comment`` "
        "sent is ignored), claims a pending submission for the curator (one claimed by another curator is a 409: "
        "take it over first) and is recorded: ``edited_by``, ``edited_at`` and the history.",
    )
    def update(self, request, uid=None):
        submission = self.get_object()
        try:
            submissions.edit_role(request.user, submission)
        except submissions.EditNotAllowed as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_403_FORBIDDEN)
        except submissions.ReviewConflict as exc:
            return _conflict(exc)
        return self._save(request, submission)

    def _review(self, request, apply):
        submission = self.get_object()
        reason = ReasonSerializer(data=request.data)
        reason.is_valid(raise_exception=True)
        try:
            submission = apply(submission, request.user, reason.validated_data.get("reason", ""))
        except submissions.ReasonRequired as exc:
            return Response({"reason": [str(exc)]}, status=status.HTTP_400_BAD_REQUEST)
        except submissions.ReviewConflict as exc:
            return _conflict(exc)
        submission = self.get_queryset().get(pk=submission.pk)
        return Response(SubmissionSerializer(submission, context=self.get_serializer_context()).data)

    @extend_schema(request=None, responses={200: SubmissionSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def claim(self, request, uid=None):
        return self._review(request, lambda s, user, reason: submissions.claim(s, user))

    @extend_schema(request=ReasonSerializer, responses={200: SubmissionSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def approve(self, request, uid=None):
        return self._review(request, submissions.approve)

    @extend_schema(request=ReasonSerializer, responses={200: SubmissionSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def reject(self, request, uid=None):
        return self._review(request, submissions.reject)

    @extend_schema(request=ReasonSerializer, responses={200: SubmissionSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"], url_path="request-changes")
    def request_changes(self, request, uid=None):
        return self._review(request, submissions.request_changes)

    @extend_schema(
        parameters=[OpenApiParameter("q", str, description="Title, DOI or arXiv id")],
        responses=inline_serializer("PaperLookup", {"matches": serializers.ListField(child=serializers.DictField())}),
        summary="Is this paper already here?",
    )
    @action(detail=False, methods=["get"])
    def lookup(self, request):
        return Response({"matches": [submissions.match_json(m) for m in submissions.lookup(request.GET.get("q", ""))]})


class RetractionViewSet(GenericViewSet):
    """Curators retract an approved mapping (it leaves the live coverage; its history keeps the reason)."""

    serializer_class = RetractionSerializer
    permission_classes = [CanRetract]
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer]
    queryset = FaultMapping.objects.none()

    @extend_schema(request=RetractionSerializer, responses={200: MappingOutSerializer, 409: CONFLICT})
    def create(self, request):
        serializer = RetractionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # An unknown uid in the body is a validation error of that field (the URL itself exists).
        mapping = FaultMapping.objects.filter(uid=serializer.validated_data["mapping"]).first()
        if mapping is None:
            return Response({"mapping": ["No mapping has this uid."]}, status=status.HTTP_400_BAD_REQUEST)
        try:
            mapping = submissions.retract(mapping, request.user, serializer.validated_data["reason"])
        except submissions.ReasonRequired as exc:
            return Response({"reason": [str(exc)]}, status=status.HTTP_400_BAD_REQUEST)
        except submissions.ReviewConflict as exc:
            return _conflict(exc)
        return Response(MappingOutSerializer(mapping).data)
