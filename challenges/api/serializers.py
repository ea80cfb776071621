from rest_framework import serializers

from challenges.models import Artifact, Challenge, ChallengeFault, ChallengePassage, Interview, InterviewMention
from taxonomy.api.serializers import FaultBriefSerializer

#
# Practitioner evidence
#


class ArtifactSerializer(serializers.ModelSerializer):
    link = serializers.URLField(source="url", read_only=True, help_text="The issue, commit or post itself.")
    fault = FaultBriefSerializer(read_only=True, allow_null=True)
    dataset = serializers.SlugRelatedField(slug_field="key", read_only=True)

    class Meta:
        model = Artifact
        fields = [
            "id",
            "url",
            "link",
            "source",
            "kind",
            "repository",
            "framework",
            "labelling_round",
            "final_tag",
            "fault",
            "dataset",
        ]


class GitHubArtifactSerializer(ArtifactSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:github-artifact-detail")


class StackOverflowPostSerializer(ArtifactSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:stackoverflow-post-detail")


#
# Interviews
#


class InterviewSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:interview-detail", lookup_field="number")
    dataset = serializers.SlugRelatedField(slug_field="key", read_only=True)
    mention_count = serializers.IntegerField(read_only=True)
    classified_mention_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Interview
        fields = ["id", "url", "number", "dataset", "mention_count", "classified_mention_count"]


class InterviewDetailSerializer(InterviewSerializer):
    class Meta(InterviewSerializer.Meta):
        fields = [*InterviewSerializer.Meta.fields, "transcript"]


class InterviewMentionSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:interview-mention-detail")
    interview = serializers.IntegerField(source="interview.number", read_only=True, help_text="Interview number.")
    fault = FaultBriefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = InterviewMention
        fields = ["id", "url", "interview", "position", "tag", "fault"]


#
# Challenges
#


class ChallengeFaultSerializer(serializers.ModelSerializer):
    fault = FaultBriefSerializer(read_only=True)

    class Meta:
        model = ChallengeFault
        fields = ["fault", "rationale"]


class ChallengePassageSerializer(serializers.ModelSerializer):
    interview = serializers.IntegerField(source="interview.number", read_only=True)
    lines = serializers.ListField(child=serializers.IntegerField(), read_only=True)

    class Meta:
        model = ChallengePassage
        fields = ["interview", "first_line", "lines", "excerpt", "note"]


class ChallengeSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:challenge-detail", lookup_field="slug")
    source = serializers.SlugRelatedField(slug_field="key", read_only=True)
    faults = ChallengeFaultSerializer(source="fault_links", many=True, read_only=True)
    candidate_interviews = serializers.ListField(child=serializers.IntegerField(), read_only=True)

    class Meta:
        model = Challenge
        fields = [
            "id",
            "url",
            "slug",
            "name",
            "group",
            "status",
            "description",
            "note",
            "source",
            "encounter_frequency_our_coding",
            "candidate_interviews",
            "position",
            "faults",
        ]


class ChallengeDetailSerializer(ChallengeSerializer):
    passages = ChallengePassageSerializer(many=True, read_only=True)

    class Meta(ChallengeSerializer.Meta):
        fields = [*ChallengeSerializer.Meta.fields, "passages"]
