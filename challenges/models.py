import re

from django.db import models
from django.db.models import Prefetch
from django.urls import reverse

from kb_site.query import count_related
from taxonomy.models import Fault, Source

#
# Practitioner evidence: GitHub issues/commits and StackOverflow posts
#


class ArtifactQuerySet(models.QuerySet):
    def github(self) -> "ArtifactQuerySet":
        return self.filter(source=Artifact.Source.GITHUB)

    def stackoverflow(self) -> "ArtifactQuerySet":
        return self.filter(source=Artifact.Source.STACKOVERFLOW)

    def for_list(self) -> "ArtifactQuerySet":
        """Artefacts with their fault joined: 1 query whatever the page size."""
        return self.select_related("fault").order_by("source", "kind", "url")


class ArtifactManager(models.Manager.from_queryset(ArtifactQuerySet)):
    def get_by_natural_key(self, url):
        return self.get(url=url)


class Artifact(models.Model):
    """A real GitHub issue, commit or pull request, or StackOverflow post, classified against the taxonomy."""

    class Source(models.TextChoices):
        GITHUB = "github", "GitHub"
        STACKOVERFLOW = "stackoverflow", "StackOverflow"

    class Kind(models.TextChoices):
        ISSUE = "issue", "Issue"
        COMMIT = "commit", "Commit"
        PULL_REQUEST = "pull-request", "Pull request"
        POST = "post", "Post"

    class Framework(models.TextChoices):
        KERAS = "keras", "Keras"
        TENSORFLOW = "tensorflow", "TensorFlow"
        TORCH = "torch", "PyTorch"
        OTHER = "other", "Other"

    url = models.URLField(max_length=500, unique=True)
    source = models.CharField(max_length=20, choices=Source.choices)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    repository = models.CharField(max_length=200, blank=True, help_text="owner/name, for GitHub artefacts.")
    framework = models.CharField(max_length=20, choices=Framework.choices)
    labelling_round = models.PositiveSmallIntegerField(null=True, blank=True)
    final_tag = models.CharField(max_length=500, blank=True, help_text="The labellers' final tag.")
    fault = models.ForeignKey(Fault, null=True, blank=True, on_delete=models.PROTECT, related_name="artifacts")
    dataset = models.ForeignKey("taxonomy.Source", on_delete=models.PROTECT, related_name="artifacts")

    objects = ArtifactManager()

    class Meta:
        ordering = ["source", "kind", "url"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(source="github", kind__in=["issue", "commit", "pull-request"])
                    | models.Q(source="stackoverflow", kind="post")
                ),
                name="%(app_label)s_%(class)s_kind_matches_source",
            ),
        ]
        indexes = [
            models.Index(fields=["source", "fault"], name="challenges_art_source_fault"),
            # A fault's evidence in list order (fault page, /evidence/?fault=): an ordered index scan that stops at
            # the page, instead of sorting every record of the fault (~170,000 for the heaviest leaf at scale 100).
            models.Index(fields=["fault", "source", "kind", "url"], name="challenges_art_fault_order"),
            # The list order itself: a list filtered by many faults (by status) or by source walks it and stops at
            # the page instead of sorting every match (21,134 rows in 44 ms at scale 10).
            models.Index(fields=["source", "kind", "url"], name="challenges_art_list_order"),
        ]

    def __str__(self):
        return f"{self.get_source_display()} {self.get_kind_display().lower()}: {self.final_tag or self.url}"

    def natural_key(self):
        return (self.url,)

    natural_key.dependencies = ["taxonomy.fault", "taxonomy.source"]

    def get_absolute_url(self):
        return reverse("challenges:artifact-detail", args=[self.pk])

    @staticmethod
    def repository_from_url(url: str) -> str:
        match = re.match(r"https?://github\.com/([^/]+/[^/]+)/", url)
        return match.group(1) if match else ""


#
# Interviews
#


class InterviewQuerySet(models.QuerySet):
    def with_counts(self) -> "InterviewQuerySet":
        """Each interview's mentions (all, classified to a fault, unclassified) and coded challenge passages.

        The one definition for the interview page and ``/api/interviews/``: correlated subqueries, one query.
        """
        return self.annotate(
            mention_count=count_related(InterviewMention, "interview"),
            classified_mention_count=count_related(InterviewMention, "interview", fault__isnull=False),
            unclassified_count=count_related(InterviewMention, "interview", fault__isnull=True),
            passage_count=count_related(ChallengePassage, "interview"),
        )


class InterviewManager(models.Manager.from_queryset(InterviewQuerySet)):
    def get_by_natural_key(self, number):
        return self.get(number=number)


class Interview(models.Model):
    """One of the developer interviews of Humbatova et al., with its transcript."""

    number = models.PositiveSmallIntegerField(unique=True)
    transcript = models.TextField(blank=True, help_text="Plain text; line numbers are the file's physical lines.")
    dataset = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="interviews")

    objects = InterviewManager()

    class Meta:
        ordering = ["number"]

    def __str__(self):
        return f"Interview {self.number:02d}"

    def natural_key(self):
        return (self.number,)

    natural_key.dependencies = ["taxonomy.source"]

    def get_absolute_url(self):
        return reverse("challenges:interview-detail", args=[self.number])


class InterviewMentionQuerySet(models.QuerySet):
    def for_list(self) -> "InterviewMentionQuerySet":
        return (
            self.select_related("interview", "fault")
            .defer("interview__transcript")
            .order_by("interview__number", "position")
        )


class InterviewMentionManager(models.Manager.from_queryset(InterviewMentionQuerySet)):
    def get_by_natural_key(self, interview_number, position):
        return self.get(interview__number=interview_number, position=position)


class InterviewMention(models.Model):
    """A fault an interviewee mentioned, as tagged by the interview coders."""

    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="mentions")
    position = models.PositiveSmallIntegerField(help_text="Order of the mention within its interview.")
    tag = models.CharField(max_length=500)
    fault = models.ForeignKey(Fault, null=True, blank=True, on_delete=models.PROTECT, related_name="interview_mentions")

    objects = InterviewMentionManager()

    class Meta:
        ordering = ["interview__number", "position"]
        constraints = [
            models.UniqueConstraint(fields=["interview", "position"], name="%(app_label)s_%(class)s_unique_position"),
        ]

    def __str__(self):
        return f"{self.interview}: {self.tag}"

    def natural_key(self):
        return (self.interview.number, self.position)

    natural_key.dependencies = ["challenges.interview", "taxonomy.fault"]

    def get_absolute_url(self):
        return reverse("challenges:interview-detail", args=[self.interview.number]) + f"#mention-{self.position}"


#
# Challenges
#


class ChallengeQuerySet(models.QuerySet):
    def confirmed(self) -> "ChallengeQuerySet":
        return self.filter(status=Challenge.Status.CONFIRMED)

    def count_by_status(self) -> dict[str, int]:
        """Challenges per status (every status, 0 when none): one grouped query."""
        counts = dict(self.values_list("status").annotate(n=models.Count("pk")).order_by())
        return {status: counts.get(status, 0) for status in Challenge.Status.values}

    def for_list(self) -> "ChallengeQuerySet":
        return self.prefetch_related(
            Prefetch("fault_links", ChallengeFault.objects.select_related("fault").order_by("fault__position"))
        ).order_by("status", "position", "name")

    def for_detail(self) -> "ChallengeQuerySet":
        return self.select_related("source").prefetch_related(
            Prefetch("fault_links", ChallengeFault.objects.select_related("fault").order_by("fault__position")),
            Prefetch(
                "passages",
                ChallengePassage.objects.select_related("interview").defer("interview__transcript"),
            ),
        )


class ChallengeManager(models.Manager.from_queryset(ChallengeQuerySet)):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Challenge(models.Model):
    """A difficulty practitioners face when debugging ML software (named by the survey, or a candidate theme)."""

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", "Named in the survey"
        CANDIDATE = "candidate", "Candidate theme (our coding)"

    class Group(models.TextChoices):
        FRAMEWORK = "framework", "Framework"
        DATA = "data", "Data"
        OTHER = "other", "Other / unknown"

    slug = models.SlugField(max_length=120, unique=True)
    name = models.CharField(max_length=200)
    group = models.CharField(max_length=20, choices=Group.choices, default=Group.OTHER)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.CONFIRMED)
    description = models.TextField(blank=True)
    note = models.TextField(blank=True)
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="challenges")
    encounter_frequency_our_coding = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Interviews (of 20) with at least one coded passage: our coding, not the survey's Fig. 5.",
    )
    candidate_interviews = models.JSONField(
        default=list, blank=True, help_text="For candidate themes: interview numbers where the theme recurs."
    )
    faults = models.ManyToManyField(Fault, through="ChallengeFault", related_name="challenges", blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    objects = ChallengeManager()

    class Meta:
        ordering = ["status", "position", "name"]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)

    natural_key.dependencies = ["taxonomy.source"]

    def get_absolute_url(self):
        return reverse("challenges:challenge-detail", args=[self.slug])


class ChallengeFaultManager(models.Manager):
    def get_by_natural_key(self, challenge_slug, fault_code):
        return self.get(challenge__slug=challenge_slug, fault__code=fault_code)


class ChallengeFault(models.Model):
    """Why a challenge relates to a fault."""

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="fault_links")
    fault = models.ForeignKey(Fault, on_delete=models.PROTECT, related_name="challenge_links")
    rationale = models.TextField(blank=True)

    objects = ChallengeFaultManager()

    class Meta:
        ordering = ["challenge", "fault__position"]
        constraints = [
            models.UniqueConstraint(fields=["challenge", "fault"], name="%(app_label)s_%(class)s_unique_pair"),
        ]

    def __str__(self):
        return f"{self.challenge} ↔ {self.fault.code}"

    def natural_key(self):
        return (self.challenge.slug, self.fault.code)

    natural_key.dependencies = ["challenges.challenge", "taxonomy.fault"]


class ChallengePassageManager(models.Manager):
    def get_by_natural_key(self, challenge_slug, interview_number, first_line):
        return self.get(challenge__slug=challenge_slug, interview__number=interview_number, first_line=first_line)


class ChallengePassage(models.Model):
    """A coded interview passage that evidences a challenge (our coding of the transcripts)."""

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="passages")
    interview = models.ForeignKey(Interview, on_delete=models.PROTECT, related_name="passages")
    lines = models.JSONField(default=list, help_text="1-based physical line numbers in the transcript.")
    first_line = models.PositiveIntegerField()
    excerpt = models.TextField()
    note = models.TextField(blank=True)

    objects = ChallengePassageManager()

    class Meta:
        ordering = ["challenge", "interview__number", "first_line"]
        constraints = [
            models.UniqueConstraint(
                fields=["challenge", "interview", "first_line"], name="%(app_label)s_%(class)s_unique_locator"
            ),
        ]

    def natural_key(self):
        return (self.challenge.slug, self.interview.number, self.first_line)

    natural_key.dependencies = ["challenges.challenge", "challenges.interview"]

    def __str__(self):
        return f"{self.challenge}: interview {self.interview.number}, line {self.first_line}"

    def get_absolute_url(self):
        return reverse("challenges:interview-detail", args=[self.interview.number]) + f"#L{self.first_line}"
