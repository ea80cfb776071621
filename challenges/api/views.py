from rest_framework.viewsets import ReadOnlyModelViewSet

from challenges.api import serializers
from challenges.filtersets import ArtifactFilterSet, ChallengeFilterSet, InterviewMentionFilterSet
from challenges.models import Artifact, Challenge, Interview, InterviewMention
from kb_site.api.filters import FilterBackend
from kb_site.api.params import LOOKUP_REGEX


class GitHubArtifactViewSet(ReadOnlyModelViewSet):
    """GitHub issues, commits and pull requests classified against the taxonomy (Humbatova et al.)."""

    queryset = Artifact.objects.github().for_list().select_related("dataset")
    serializer_class = serializers.GitHubArtifactSerializer
    filterset_class = ArtifactFilterSet
    filter_backends = [FilterBackend]  # ArtifactFilterSet has its own `ordering`


class StackOverflowPostViewSet(GitHubArtifactViewSet):
    """StackOverflow posts classified against the taxonomy (Humbatova et al.)."""

    queryset = Artifact.objects.stackoverflow().for_list().select_related("dataset")
    serializer_class = serializers.StackOverflowPostSerializer


class InterviewViewSet(ReadOnlyModelViewSet):
    """The developer interviews (Humbatova et al.); the transcript is on the detail only."""

    queryset = Interview.objects.select_related("dataset").defer("transcript").with_counts().order_by("number")
    serializer_class = serializers.InterviewSerializer
    lookup_field = "number"
    lookup_value_regex = LOOKUP_REGEX
    ordering_fields = ["number", "mention_count"]
    ordering = ["number"]

    def get_queryset(self):
        if self.action == "retrieve":
            return self.queryset.defer(None)
        return self.queryset

    def get_serializer_class(self):
        return serializers.InterviewDetailSerializer if self.action == "retrieve" else self.serializer_class


class InterviewMentionViewSet(ReadOnlyModelViewSet):
    """Faults interviewees mentioned, as tagged by the interview coders."""

    queryset = InterviewMention.objects.for_list()
    serializer_class = serializers.InterviewMentionSerializer
    filterset_class = InterviewMentionFilterSet
    ordering_fields = ["interview__number", "position"]
    ordering = ["interview__number", "position"]


class ChallengeViewSet(ReadOnlyModelViewSet):
    """Difficulties practitioners face (the survey's confirmed challenges, and candidate themes of our coding)."""

    queryset = Challenge.objects.for_list().select_related("source")
    serializer_class = serializers.ChallengeSerializer
    filterset_class = ChallengeFilterSet
    lookup_field = "slug"
    lookup_value_regex = LOOKUP_REGEX
    ordering_fields = ["position", "name", "status", "encounter_frequency_our_coding"]
    ordering = ["status", "position", "name"]

    def get_queryset(self):
        if self.action == "retrieve":
            return Challenge.objects.for_detail()
        return self.queryset

    def get_serializer_class(self):
        return serializers.ChallengeDetailSerializer if self.action == "retrieve" else self.serializer_class
