from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe
from django.views.generic import DetailView
from django_filters.views import FilterView

from challenges.filtersets import ArtifactFilterSet, ChallengeFilterSet, InterviewMentionFilterSet
from challenges.models import Artifact, Challenge, Interview, InterviewMention
from challenges.transcripts import transcript_lines
from coverage import summaries
from coverage.live import live
from kb_site.ui import CappedPaginator, label_choices


class CoverageListMixin:
    """A filtered, paginated list whose rows show their fault's computed status (one coverage computation)."""

    paginate_by = 50
    paginator_class = CappedPaginator  # counts stop at 10,000 rows (a heavy fault holds ~170,000 at scale 100)

    def get_filterset(self, filterset_class):
        self.coverage = live()  # read piece by piece: the form's labels, this page's rows, the summary
        filterset = super().get_filterset(filterset_class)
        label_choices(filterset.form, fault_choices=self.coverage.outline.options)
        return filterset

    def get_filterset_kwargs(self, filterset_class):
        return {**super().get_filterset_kwargs(filterset_class), "coverage_data": self.coverage}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        items = list(context["object_list"])
        rows = self.coverage.rows(item.fault_id for item in items if item.fault_id)
        for item in items:
            item.fault_row = rows.get(item.fault_id)
        context["summary"] = self.coverage.summary()
        return context


class ArtifactListView(CoverageListMixin, FilterView):
    filterset_class = ArtifactFilterSet
    template_name = "challenges/artifact_list.html"

    def get_queryset(self):
        return Artifact.objects.for_list()


class InterviewMentionListView(CoverageListMixin, FilterView):
    filterset_class = InterviewMentionFilterSet
    template_name = "challenges/mention_list.html"

    def get_queryset(self):
        return InterviewMention.objects.for_list()


class ArtifactDetailView(DetailView):
    template_name = "challenges/artifact_detail.html"
    context_object_name = "artifact"

    def get_queryset(self):
        return Artifact.objects.select_related("fault", "dataset")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.object.fault_id:
            data = live()
            code = self.object.fault.code
            rows = data.rows_by_code([*(node.code for node in data.outline.ancestors(code)), code])
            context["fault_row"] = rows[-1]
            context["ancestors"] = rows[:-1]
        return context


@require_safe
def interview_list(request):
    interviews = Interview.objects.defer("transcript").select_related("dataset").with_counts()
    return render(request, "challenges/interview_list.html", {"interviews": interviews})


@require_safe
def interview_detail(request, number: int):
    interview = get_object_or_404(Interview.objects.select_related("dataset"), number=number)
    passages = list(interview.passages.select_related("challenge").order_by("first_line", "challenge__position"))
    cited: dict[int, list] = {}
    for passage in passages:
        for line in passage.lines:
            cited.setdefault(line, []).append(passage)
    lines = [(line, cited.get(line.number, [])) for line in transcript_lines(interview.transcript)]
    return render(
        request,
        "challenges/interview_detail.html",
        {
            "interview": interview,
            "mentions": list(interview.mentions.for_list()),
            "passages": passages,
            "lines": lines,
            "previous": Interview.objects.filter(number__lt=number).order_by("-number").values("number").first(),
            "next": Interview.objects.filter(number__gt=number).order_by("number").values("number").first(),
        },
    )


class ChallengeListView(FilterView):
    filterset_class = ChallengeFilterSet
    template_name = "challenges/challenge_list.html"

    def get_queryset(self):
        return Challenge.objects.for_list()

    def get_filterset(self, filterset_class):
        self.coverage = live()
        filterset = super().get_filterset(filterset_class)
        label_choices(filterset.form, fault_choices=self.coverage.outline.options)
        return filterset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        challenges = list(context["object_list"])
        rows = self.coverage.rows(link.fault_id for c in challenges for link in c.fault_links.all())
        for challenge in challenges:
            for link in challenge.fault_links.all():
                link.row = rows.get(link.fault_id)
        context["confirmed"] = [c for c in challenges if c.status == Challenge.Status.CONFIRMED]
        context["candidates"] = [c for c in challenges if c.status == Challenge.Status.CANDIDATE]
        context["catalogue"] = summaries.challenge_catalogue()
        return context


class ChallengeDetailView(DetailView):
    template_name = "challenges/challenge_detail.html"
    context_object_name = "challenge"

    def get_queryset(self):
        return Challenge.objects.for_detail()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        links = list(self.object.fault_links.all())
        rows = live().rows(link.fault_id for link in links)
        context["fault_links"] = [(link, rows[link.fault_id]) for link in links]
        context["catalogue"] = summaries.challenge_catalogue()
        passages = sorted(self.object.passages.all(), key=lambda p: (p.interview.number, p.first_line))
        context["passages"] = passages
        return context


evidence_list = ArtifactListView.as_view()
mention_list = InterviewMentionListView.as_view()
artifact_detail = ArtifactDetailView.as_view()
challenge_list = ChallengeListView.as_view()
challenge_detail = ChallengeDetailView.as_view()
