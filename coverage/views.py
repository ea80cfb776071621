"""Coverage pages: home, the coverage dashboard, the sources page, and the snapshot pages (the list, where curators
freeze a new one, a snapshot's figures and mappings, and the diff between two snapshots or a snapshot and the live
data). Figures come from ``coverage/coverage.py``, snapshots from ``coverage/snapshots.py``."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from numbers import Number

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST, require_safe

from accounts.roles import curator_required
from coverage import agreement as agreement_engine
from coverage import cache as coverage_cache
from coverage import charts, coverage, snapshots
from coverage.charts import FIGURE_LABELS
from coverage.filtersets import AgreementFilterSet
from coverage.models import Snapshot
from datasets import seed
from kb_site.ui import optional_url
from papers import adjudication
from papers.coding_forms import AdjudicationReasonForm, CodingNoteForm, coded_formset
from papers.forms import Vocabulary
from papers.models import Coding, FaultMapping, Paper
from papers.review import ReasonRequired, ReviewConflict
from taxonomy.models import Source

SNAPSHOT_PERMISSION = "coverage.add_snapshot"
LIVE = "live"
RESERVED_NAMES = {LIVE, "new", "diff"}  # "live" means the current data; the others are page addresses

# What each flattened figure key means, for the tables (the keys are coverage.summary_dict()'s).
GROUP_LABELS = {
    "leaves": "Leaf faults",
    "github": "GitHub artefacts",
    "interviews": "Interview mentions",
    "stackoverflow": "StackOverflow posts",
    "papers": "Papers and mappings",
    "challenges": "Challenges",
}


class SnapshotForm(forms.Form):
    name = forms.SlugField(max_length=100, help_text="Letters, digits, hyphens, e.g. 2026-q4 or paper-v2.")
    description = forms.CharField(max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def clean_name(self):
        name = self.cleaned_data["name"]
        if name in RESERVED_NAMES:
            raise forms.ValidationError(f"“{name}” is reserved; choose another name.")
        if Snapshot.objects.filter(name=name).exists():
            raise forms.ValidationError(f"A snapshot named “{name}” exists already.")
        return name


class SnapshotDiffForm(forms.Form):
    before = forms.ChoiceField(label="From")
    after = forms.ChoiceField(label="To")

    def __init__(self, *args, names: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(name, name) for name in names] + [(LIVE, "live (current data)")]
        self.fields["before"].choices = choices
        self.fields["after"].choices = choices


def _figure_rows(flat: dict) -> list[dict]:
    rows = []
    for key, value in flat.items():
        group, _, name = key.partition(".")
        rows.append(
            {"key": key, "group": GROUP_LABELS.get(group, group), "name": name.replace("_", " "), "value": value}
        )
    return rows


def snapshot_list(request):
    snapshot_list = Snapshot.objects.annotate(entry_count=Count("entries")).order_by("-created_at", "name")
    can_freeze = request.user.has_perm(SNAPSHOT_PERMISSION)
    return render(
        request,
        "coverage/snapshot_list.html",
        {"snapshots": snapshot_list, "form": SnapshotForm() if can_freeze else None},
    )


@require_POST
@login_required
@permission_required(SNAPSHOT_PERMISSION, raise_exception=True)
def snapshot_create(request):
    form = SnapshotForm(request.POST)
    if not form.is_valid():
        snapshot_list = Snapshot.objects.annotate(entry_count=Count("entries")).order_by("-created_at", "name")
        return render(request, "coverage/snapshot_list.html", {"snapshots": snapshot_list, "form": form}, status=400)
    snapshot = snapshots.freeze(
        form.cleaned_data["name"],
        description=form.cleaned_data["description"],
        created_by=request.user.get_username(),
    )
    messages.success(request, f"Froze the live data as snapshot “{snapshot.name}”.")
    return redirect(snapshot)


def snapshot_detail(request, name):
    snapshot = get_object_or_404(Snapshot.objects.annotate(entry_count=Count("entries")), name=name)
    recomputed = snapshots.figures_for(snapshot)
    stored_flat = snapshots._flatten(snapshot.figures)
    recomputed_flat = snapshots._flatten(recomputed)
    rows = _figure_rows(stored_flat)
    for row in rows:
        row["recomputed"] = recomputed_flat.get(row["key"])
        row["equal"] = row["recomputed"] == row["value"]
    entries = snapshot.entries.select_related("fault").order_by("fault__position", "paper_key")
    return render(
        request,
        "coverage/snapshot_detail.html",
        {
            "snapshot": snapshot,
            "rows": rows,
            "verified": recomputed == snapshot.figures,
            "entries": entries,
        },
    )


def snapshot_diff(request):
    names = list(Snapshot.objects.order_by("created_at", "name").values_list("name", flat=True))
    default_before = names[-1] if names else LIVE
    form = SnapshotDiffForm(request.GET or {"before": default_before, "after": LIVE}, names=names)
    result = None
    if form.is_valid():
        by_name = {
            s.name: s
            for s in Snapshot.objects.filter(name__in=[form.cleaned_data["before"], form.cleaned_data["after"]])
        }
        before = by_name.get(form.cleaned_data["before"])
        after = by_name.get(form.cleaned_data["after"])
        result = snapshots.diff(before, after)
    figures = []
    if result is not None:
        for change in result.figures:
            group, _, name = change.key.partition(".")
            delta = None
            if isinstance(change.before, Number) and isinstance(change.after, Number):
                delta = round(change.after - change.before, 1)
            figures.append(
                {
                    "key": change.key,
                    "group": GROUP_LABELS.get(group, group),
                    "name": name.replace("_", " "),
                    "before": change.before,
                    "after": change.after,
                    "delta": delta,
                }
            )
    return render(
        request,
        "coverage/snapshot_diff.html",
        {"form": form, "diff": result, "figures": figures, "has_snapshots": bool(names)},
        status=400 if request.GET and not form.is_valid() else 200,
    )


#
# Home, coverage dashboard, sources
#


@require_safe
def home(request):
    data = coverage.compute()
    summary = coverage.coverage_summary(data)
    headline = [
        {
            "comparison": c,
            "share": coverage.computed_share(summary, c.figure.computed_counterpart),
            "label": FIGURE_LABELS.get(c.figure.computed_counterpart, c.figure.of),
        }
        for c in coverage.reported_comparison(summary)
    ]
    return render(
        request,
        "coverage/home.html",
        {
            "summary": summary,
            "headline": headline,
            "catalogue": coverage.challenge_catalogue(),
            "survey": next((h["comparison"].figure.source for h in headline), None),
            "seed_release": seed.current_release(),
        },
    )


# A leaf with at least this many practitioner records and no paper is a demand gap (dashboard and explorer).
DEMAND_GAP_MIN_EVIDENCE = 5

# Each dashboard chart's numbers as CSV, from the API (which computes them with the same coverage functions).
CSV_ROUTES = {
    "taxonomy": ("api:coverage-faults", "format=csv"),
    "gap-map": ("api:coverage-gap-map", "format=csv"),
    "research-vs-practice": ("api:coverage-faults", "kind=leaf&format=csv"),
    "papers-per-year": ("api:coverage-papers-per-year", "format=csv"),
    "status-shares": ("api:coverage-list", "format=csv"),
}


@dataclass(frozen=True)
class Dashboard:
    charts: list[dict]  # {"chart": charts.Chart, "csv_url": str | None}, in page order
    demand_gaps: list[coverage.DemandGap]
    comparisons: list[coverage.ReportedComparison]


def _dashboard(data: coverage.CoverageData, summary: coverage.CoverageSummary) -> Dashboard:
    """The dashboard's five charts with their CSV links, and its demand gaps. 4 queries (reported figures, methods,
    paper years); the rest comes from ``data``."""
    comparisons = coverage.reported_comparison(summary)
    cells = coverage.gap_map(data)
    gaps_by_category = coverage.demand_gaps_by_category(data, min_evidence=DEMAND_GAP_MIN_EVIDENCE)
    method_names = {cell.method.code: cell.method.name for cell in cells}
    chart_list = [
        charts.taxonomy_sunburst(data),
        charts.gap_map_chart(cells, gaps_by_category, min_evidence=DEMAND_GAP_MIN_EVIDENCE),
        charts.research_vs_practice(data),
        charts.papers_per_year(coverage.papers_per_year_by_method(data), method_names),
        charts.status_shares(summary, comparisons),
    ]
    return Dashboard(
        charts=[{"chart": chart, "csv_url": optional_url(*CSV_ROUTES[chart.key])} for chart in chart_list],
        demand_gaps=coverage.demand_gaps(data, min_evidence=DEMAND_GAP_MIN_EVIDENCE),
        comparisons=comparisons,
    )


@require_safe
def coverage_dashboard(request):
    data = coverage.compute()
    summary = coverage.coverage_summary(data)
    return render(
        request,
        "coverage/dashboard.html",
        {
            "summary": summary,
            # Built only if the template renders the charts (not when the cached fragment is used).
            "dashboard": functools.cache(lambda: _dashboard(data, summary)),
            "min_evidence": DEMAND_GAP_MIN_EVIDENCE,
            # Charts, tables and demand gaps (hundreds of ms to build and render at scale) are read only from
            # data whose every change bumps the data version: rendered once per version.
            "dashboard_cache": coverage_cache.fragment(data=data),
        },
    )


@require_safe
def sources(request):
    data = coverage.compute()
    summary = coverage.coverage_summary(data)
    return render(
        request,
        "coverage/sources.html",
        {
            "sources": Source.objects.all(),
            "comparisons": coverage.reported_comparison(summary),
            "summary": summary,
            "seed_releases": seed.releases(),
        },
    )


#
# Inter-coder agreement
#


def agreement(request):
    """The agreement figures (``coverage/agreement.py``), with the filters of ``/api/agreement/``."""
    filterset = AgreementFilterSet(request.GET or None, Coding.objects.all())
    report = None
    if filterset.is_bound and not filterset.is_valid():
        status = 400
    else:
        status = 200
        options = filterset.engine_options() if filterset.is_bound else {}
        report = agreement_engine.agreement(filterset.qs, **options)
    return render(request, "coverage/agreement.html", {"filter": filterset, "report": report}, status=status)


@curator_required
def agreement_queue(request):
    """What curators have to do: blind second codings to make, double-coded papers to adjudicate."""
    open_codings = (
        Coding.objects.filter(submitted_at__isnull=True).select_related("paper", "requested_by").order_by("pk")
    )
    pending = adjudication.pending_pairs()
    return render(request, "coverage/agreement_queue.html", {"open_codings": open_codings, "pending": pending})


@require_POST
@curator_required
def coding_request(request, key):
    paper = get_object_or_404(Paper.objects.public(), key=key)
    try:
        adjudication.request_second_coding(paper, request.user)
    except adjudication.CodingNotAllowed as exc:
        messages.error(request, str(exc))
        return redirect(paper)
    messages.success(request, f"A blind second coding of “{paper.title}” is open for another curator.")
    return redirect("coverage:agreement-queue")


@curator_required
def coding_create(request, uid):
    """A blind second coding: the paper, never its first coding or its mappings."""
    coding = get_object_or_404(Coding.objects.select_related("paper"), uid=uid)
    conflict = adjudication.coding_conflict(request.user, coding)
    if conflict:
        messages.error(request, conflict)
        return redirect("coverage:agreement-queue")
    vocabulary = Vocabulary.load()
    formset = coded_formset(request.POST or None, vocabulary=vocabulary)
    note = CodingNoteForm(request.POST or None)
    if request.method == "POST" and formset.is_valid() and note.is_valid():
        try:
            adjudication.code_blind(coding, request.user, formset.mappings(), note=note.cleaned_data["note"])
        except adjudication.CodingNotAllowed as exc:
            messages.error(request, str(exc))
            return redirect("coverage:agreement-queue")
        messages.success(request, "Your coding is submitted; the paper now awaits adjudication.")
        return redirect("coverage:adjudication-create", uid=coding.uid)
    context = {"coding": coding, "paper": coding.paper, "formset": formset, "note": note, "vocabulary": vocabulary}
    return render(request, "coverage/coding_form.html", context, status=400 if request.method == "POST" else 200)


def _initial(pair: agreement_engine.CodingPair, approved: dict[int, FaultMapping]) -> list[dict]:
    """One row per fault of either coding: the approved values where there are some, else the agreed strength."""
    rows = []
    mappings = {m.fault_id: m for c in (pair.second, pair.first) for m in c.mappings.all()}
    for f in pair.faults:
        source = approved.get(f.fault.pk) or mappings[f.fault.pk]
        strength = approved[f.fault.pk].strength if f.fault.pk in approved else (f.first if f.agrees else "")
        rows.append(
            {
                "fault": f.fault.code,
                "strength": strength,
                "evidence_kind": source.evidence_kind,
                "rationale": source.rationale,
            }
        )
    return rows


@curator_required
def adjudication_create(request, uid):
    """Both codings side by side, what each would do to coverage, and the final mappings with a reason."""
    coding = get_object_or_404(Coding.objects.submitted().select_related("paper"), uid=uid)
    paper = coding.paper
    pairs = agreement_engine.coding_pairs(Coding.objects.filter(paper=paper, sample=coding.sample))
    if not pairs:
        raise Http404("This paper has not been coded twice in this sample yet.")
    pair = pairs[0]
    if pair.adjudicated:
        messages.info(request, "This double coding has been adjudicated already.")
        return redirect(paper)
    approved = {m.fault_id: m for m in FaultMapping.objects.approved().filter(paper=paper).select_related("fault")}
    vocabulary = Vocabulary.load()
    formset = coded_formset(request.POST or None, vocabulary=vocabulary, initial=_initial(pair, approved), extra=1)
    reason = AdjudicationReasonForm(request.POST or None)
    errors = []
    if request.method == "POST" and formset.is_valid() and reason.is_valid():
        try:
            adjudication.adjudicate(
                paper, coding.sample, request.user, formset.mappings(), reason.cleaned_data["reason"]
            )
        except (ReviewConflict, ReasonRequired) as exc:
            errors.append(str(exc))
        else:
            messages.success(request, "Adjudicated: the final mappings are approved and count in coverage.")
            return redirect(paper)
    context = {
        "paper": paper,
        "pair": pair,
        "figures": agreement_engine.figures(pair.coders, [(pair, pair.faults)]),
        "dependences": agreement_engine.status_dependences([pair], None),
        "formset": formset,
        "reason": reason,
        "errors": errors,
        "vocabulary": vocabulary,
        "approved": sorted(approved.values(), key=lambda m: m.fault.position),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "coverage/adjudication_form.html", context, status=status)
