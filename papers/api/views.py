"""The papers API: papers and mappings (read-only), submissions and their review, retractions.

Submissions: validation is the web form's (``papers.validation``): the JSON body, once its shape is checked, is fed
into the same forms, so every rule and message is the same. Researchers see only their own submissions (others'
are 404); curators see all. Who may edit a submission (``PUT``) is ``papers.submissions.edit_role``, the rule of
the web's edit pages.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, status
from rest_framework import serializers as fields
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.viewsets import GenericViewSet, ReadOnlyModelViewSet

from accounts.roles import RETRACT_PERMISSION, is_curator
from kb_site.api.filters import FilterBackend, OrderingFilter
from kb_site.api.params import LOOKUP_REGEX
from kb_site.api.renderers import BibTeXRenderer, CSLJSONRenderer, RISRenderer
from papers import review, submissions
from papers.api import serializers
from papers.blind import blind_paper_ids, hide_mappings, visible_papers
from papers.duplicates import lookup, match_json
from papers.filtersets import CodingFilterSet, FaultMappingFilterSet, PaperFilterSet, SubmissionFilterSet
from papers.forms import Vocabulary
from papers.models import Coding, FaultMapping, Paper, Submission
from papers.ratelimit import rate_limit_message, seconds_until_free
from papers.submission_forms import SubmissionForms
from papers.validation import SubmissionInvalid

_bibtex = OpenApiResponse(OpenApiTypes.STR, description="BibTeX entries (with ?format=bibtex).")
_ris = OpenApiResponse(OpenApiTypes.STR, description="RIS records (with ?format=ris).")
_csljson = OpenApiResponse(OpenApiTypes.STR, description="A CSL-JSON array of items (with ?format=csljson).")
_citations = {
    (200, "application/x-bibtex"): _bibtex,
    (200, RISRenderer.media_type): _ris,
    (200, CSLJSONRenderer.media_type): _csljson,
}


@extend_schema_view(
    list=extend_schema(responses={200: serializers.PaperSerializer(many=True), **_citations}),
    retrieve=extend_schema(responses={200: serializers.PaperDetailSerializer, **_citations}),
)
class PaperViewSet(ReadOnlyModelViewSet):
    """Approved research papers with their approved fault mappings.

    ``?format=bibtex``, ``?format=ris`` and ``?format=csljson`` export citations; ``?since=`` polls for new ones.
    """

    queryset = Paper.objects.for_list().select_related("source")
    serializer_class = serializers.PaperSerializer
    filterset_class = PaperFilterSet
    filter_backends = [FilterBackend]  # PaperFilterSet has its own `ordering`
    renderer_classes = [*api_settings.DEFAULT_RENDERER_CLASSES, BibTeXRenderer, RISRenderer, CSLJSONRenderer]
    lookup_field = "key"
    lookup_value_regex = LOOKUP_REGEX

    def get_queryset(self):
        if self.action == "retrieve":
            return Paper.objects.for_detail().select_related("source")
        return self.queryset

    def get_serializer(self, *args, **kwargs):
        if args and args[0] is not None:  # the paper or the page of papers about to be shown
            hide_mappings(args[0] if kwargs.get("many") else [args[0]], blind_paper_ids(self.request))
        return super().get_serializer(*args, **kwargs)

    def get_serializer_class(self):
        renderer = getattr(self.request, "accepted_renderer", None)
        if renderer is not None and renderer.format == BibTeXRenderer.format:
            return serializers.PaperBibTeXSerializer
        if renderer is not None and renderer.format in (RISRenderer.format, CSLJSONRenderer.format):
            return serializers.PaperCSLSerializer
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

    def get_queryset(self):
        return visible_papers(super().get_queryset(), self.request)  # none of a paper the user codes blind


class CodingViewSet(ReadOnlyModelViewSet):
    """Independent codings of double-coded papers (a first coding is hidden while its blind second is open; the
    curator who codes a paper blind sees none of its codings until they submit)."""

    queryset = Coding.objects.for_list()
    serializer_class = serializers.CodingSerializer
    filterset_class = CodingFilterSet
    filter_backends = [FilterBackend, OrderingFilter]
    ordering_fields = ["submitted_at", "sample", "coder"]
    lookup_field = "uid"

    def get_queryset(self):
        return visible_papers(super().get_queryset(), self.request)  # none of a paper the user codes blind


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


#
# Submissions and retractions
#


# A review action that no longer applies (already decided, claimed by someone else): {"detail": message}.
CONFLICT = OpenApiResponse(
    inline_serializer("Conflict", {"detail": fields.CharField()}),
    description="The submission or mapping is no longer in a state this action applies to.",
)


def etag(submission: Submission) -> str:
    """The submission's version as an HTTP entity tag: GET answers it, a PUT must send it back in If-Match."""
    return f'"{submission.version}"'


ETAG = OpenApiParameter(
    "ETag", str, OpenApiParameter.HEADER, response=[200], description="The submission's version; PUT's If-Match."
)
IF_MATCH = OpenApiParameter(
    "If-Match",
    {"type": "string", "minLength": 1},  # an empty If-Match is no precondition: answered 428 like a missing one
    OpenApiParameter.HEADER,
    required=True,
    description="The ETag of the submission as last read (GET): a stale one is a 412, none a 428.",
)
PRECONDITION = OpenApiResponse(
    inline_serializer("Precondition", {"detail": fields.CharField()}),
    description="If-Match missing (428) or stale (412): nothing was saved.",
)


def _conflict(exc: Exception) -> Response:
    return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)


class SubmissionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, GenericViewSet):
    """Submit a paper with mappings, follow your submissions; curators claim, approve, reject, request changes."""

    serializer_class = serializers.SubmissionSerializer
    filterset_class = SubmissionFilterSet
    lookup_field = "uid"
    permission_classes = [IsAuthenticated]
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer]
    # Sorting is SubmissionFilterSet's ``ordering`` (age, submitter, fault), the same as on the review queue page.
    # The API's strict backend: a blank or repeated choice (``?status=``) is a 400 naming the parameter, as on
    # every other list (and as the schema's enums say).
    filter_backends = [FilterBackend]
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

    def _save(self, request, editing: Submission | None, version: str = ""):
        shape = serializers.SubmissionWriteSerializer(data=request.data)
        shape.is_valid(raise_exception=True)
        body = shape.validated_data
        forms = SubmissionForms.from_json(body, Vocabulary.load(), editing=editing, version=version)
        try:
            if editing is None:
                submission = submissions.submit(request.user, forms)
            else:
                submission = submissions.edit(request.user, editing, forms)
        except SubmissionInvalid:
            return Response(forms.errors_dict(), status=status.HTTP_400_BAD_REQUEST)
        submission = self.get_queryset().get(pk=submission.pk)
        data = serializers.SubmissionSerializer(submission, context=self.get_serializer_context()).data
        code = status.HTTP_201_CREATED if editing is None else status.HTTP_200_OK
        return Response(data, status=code, headers={"ETag": etag(submission)})

    @extend_schema(parameters=[ETAG])
    def retrieve(self, request, uid=None):
        submission = self.get_object()
        data = serializers.SubmissionSerializer(submission, context=self.get_serializer_context()).data
        return Response(data, headers={"ETag": etag(submission)})

    @extend_schema(
        request=serializers.SubmissionWriteSerializer,
        responses={
            201: serializers.SubmissionSerializer,
            429: OpenApiResponse(
                inline_serializer("SubmissionLimit", {"detail": fields.CharField()}),
                description="The user's accepted submissions reached KB_SUBMISSION_RATE; Retry-After says when.",
            ),
        },
    )
    def create(self, request):
        # The submission limit counts accepted submissions only (papers.ratelimit), never rejected attempts.
        wait = seconds_until_free(request.user)
        if wait is not None:
            detail = rate_limit_message(request.user)
            return Response(
                {"detail": detail}, status=status.HTTP_429_TOO_MANY_REQUESTS, headers={"Retry-After": str(wait)}
            )
        return self._save(request, None)

    @extend_schema(
        request=serializers.SubmissionWriteSerializer,
        parameters=[IF_MATCH, ETAG],
        responses={200: serializers.SubmissionSerializer, 409: CONFLICT, 412: PRECONDITION, 428: PRECONDITION},
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
        except review.ReviewConflict as exc:
            return _conflict(exc)
        if_match = request.headers.get("If-Match")
        if not if_match:
            detail = "Send If-Match with the submission's ETag (from GET), so an edit never overwrites another."
            return Response({"detail": detail}, status=status.HTTP_428_PRECONDITION_REQUIRED)
        if etag(submission) not in [tag.strip() for tag in if_match.split(",")]:
            detail = "Someone changed this submission since you read it; nothing was saved. GET it again, then edit."
            return Response({"detail": detail}, status=status.HTTP_412_PRECONDITION_FAILED)
        return self._save(request, submission, version=submission.version)

    def _review(self, request, apply):
        submission = self.get_object()
        reason = serializers.ReasonSerializer(data=request.data)
        reason.is_valid(raise_exception=True)
        try:
            submission = apply(submission, request.user, reason.validated_data.get("reason", ""))
        except review.ReasonRequired as exc:
            return Response({"reason": [str(exc)]}, status=status.HTTP_400_BAD_REQUEST)
        except review.ReviewConflict as exc:
            return _conflict(exc)
        submission = self.get_queryset().get(pk=submission.pk)
        return Response(serializers.SubmissionSerializer(submission, context=self.get_serializer_context()).data)

    @extend_schema(request=None, responses={200: serializers.SubmissionSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def claim(self, request, uid=None):
        return self._review(request, lambda s, user, reason: review.claim(s, user))

    @extend_schema(
        request=serializers.ReasonSerializer, responses={200: serializers.SubmissionSerializer, 409: CONFLICT}
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, uid=None):
        return self._review(request, review.approve)

    @extend_schema(
        request=serializers.ReasonSerializer, responses={200: serializers.SubmissionSerializer, 409: CONFLICT}
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, uid=None):
        return self._review(request, review.reject)

    @extend_schema(
        request=serializers.ReasonSerializer, responses={200: serializers.SubmissionSerializer, 409: CONFLICT}
    )
    @action(detail=True, methods=["post"], url_path="request-changes")
    def request_changes(self, request, uid=None):
        return self._review(request, review.request_changes)

    @extend_schema(
        parameters=[OpenApiParameter("q", str, description="Title, DOI or arXiv id")],
        responses=inline_serializer("PaperLookup", {"matches": fields.ListField(child=fields.DictField())}),
        summary="Is this paper already here?",
    )
    @action(detail=False, methods=["get"])
    def lookup(self, request):
        return Response({"matches": [match_json(m) for m in lookup(request.GET.get("q", ""))]})


class RetractionViewSet(GenericViewSet):
    """Curators retract an approved mapping (it leaves the live coverage; its history keeps the reason)."""

    serializer_class = serializers.RetractionSerializer
    permission_classes = [CanRetract]
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer]
    queryset = FaultMapping.objects.none()

    @extend_schema(
        request=serializers.RetractionSerializer, responses={200: serializers.MappingOutSerializer, 409: CONFLICT}
    )
    def create(self, request):
        serializer = serializers.RetractionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # An unknown uid in the body is a validation error of that field (the URL itself exists).
        mapping = FaultMapping.objects.filter(uid=serializer.validated_data["mapping"]).first()
        if mapping is None:
            return Response({"mapping": ["No mapping has this uid."]}, status=status.HTTP_400_BAD_REQUEST)
        try:
            mapping = review.retract(mapping, request.user, serializer.validated_data["reason"])
        except review.ReasonRequired as exc:
            return Response({"reason": [str(exc)]}, status=status.HTTP_400_BAD_REQUEST)
        except review.ReviewConflict as exc:
            return _conflict(exc)
        return Response(serializers.MappingOutSerializer(mapping).data)
