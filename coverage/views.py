"""Coverage pages: the taxonomy explorer and a fault's page (the taxonomy seen through its coverage, with each
fault's papers, practitioner evidence and challenges), home, the coverage dashboard, the sources page and the
snapshot pages (the list, where curators freeze a new one, a snapshot's figures and mappings, and the diff between
two snapshots or a snapshot and the live data). Figures come from ``coverage/coverage.py`` and its summaries and
gap analysis, snapshots from ``coverage/snapshots.py``."""

from __future__ import annotations

import functools
from numbers import Number

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.db.models import Case, CharField, Count, Min, Value, When
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from accounts.roles import SNAPSHOT_PERMISSION
from challenges.models import Challenge, ChallengeFault
from coverage import agreement, coverage, dashboard, explorer, releases, snapshots, summaries
from coverage import cache as coverage_cache
from coverage import live as coverage_live
from coverage.charts import FIGURE_LABELS
from coverage.filtersets import CoverageFaultFilterSet
from coverage.forms import ReleaseForm
from coverage.models import Release, Snapshot
from coverage.release_archive import ArchiveError
from coverage.release_files import release_csl
from datasets import seed
from kb_site.citations import KB_NAME, formats
from kb_site.ui import label_choices
from papers.blind import HIDDEN, blind_paper_ids, blind_paper_keys, visible_keys, visible_papers
from papers.history import fault_history
from papers.models import FaultMapping
from papers.views import PaperListView
from taxonomy.citations import fault_csl
from taxonomy.models import Fault, Source

RELEASE_PERMISSION = "coverage.add_release"
RESERVED_NAMES = {snapshots.LIVE, "new", "diff"}  # "live" means the current data; the others are page addresses

# What each flattened figure key means, for the tables (the keys are summaries.summary_dict()'s).
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
        choices = [(name, name) for name in names] + [(snapshots.LIVE, "live (current data)")]
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
    # Never the frozen mappings of a paper the user codes blind (papers.blind).
    entries = visible_keys(snapshot.entries.select_related("fault"), request).order_by("fault__position", "paper_key")
    return render(
        request,
        "coverage/snapshot_detail.html",
        {
            "snapshot": snapshot,
            "rows": rows,
            "verified": recomputed == snapshot.figures,
            "entries": entries,
            "blind": bool(blind_paper_ids(request)),
            "hidden": HIDDEN,
        },
    )


DIFF_LIMIT = 200  # added and removed mappings listed on the diff page (every one is counted)


def snapshot_diff(request):
    names = list(Snapshot.objects.order_by("created_at", "name").values_list("name", flat=True))
    default_before = names[-1] if names else snapshots.LIVE
    form = SnapshotDiffForm(request.GET or {"before": default_before, "after": snapshots.LIVE}, names=names)
    result = page = None
    if form.is_valid():
        by_name = {
            s.name: s
            for s in Snapshot.objects.filter(name__in=[form.cleaned_data["before"], form.cleaned_data["after"]])
        }
        before = by_name.get(form.cleaned_data["before"])
        after = by_name.get(form.cleaned_data["after"])
        page = snapshots.diff_page(before, after, DIFF_LIMIT, hidden_papers=blind_paper_keys(request))
        result = page.diff
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
        {"form": form, "diff": result, "page": page, "figures": figures, "has_snapshots": bool(names)},
        status=400 if request.GET and not form.is_valid() else 200,
    )


#
# The taxonomy explorer and a fault's page: the tree with each node's coverage, and what is known of one fault
#


@require_safe
def fault_list(request):
    live = coverage_live.live()
    filterset = CoverageFaultFilterSet(request.GET or None, queryset=Fault.objects.all(), coverage_data=live)
    # API-only parameters (database ids) are left out of the page's form, so its URLs carry one per concept.
    label_choices(filterset.form, fault_choices=live.outline.options, hidden=["parent_id"])
    sort = request.GET.get("sort", "tree")
    sort = sort if sort in explorer.SORTS else "tree"
    matched = None
    filtering = filterset.is_bound and filterset.form.is_valid() and any(filterset.form.cleaned_data.values())
    if filtering:
        matched = set(filterset.qs.values_list("pk", flat=True))
    return render(
        request,
        "taxonomy/fault_list.html",
        {
            "filter": filterset,
            "filtering": filtering,
            "sort": sort,
            "sorts": explorer.SORTS,
            "sort_label": explorer.SORTS[sort],
            # Built only if the template renders the tree (not when the cached fragment is used).
            "rows": functools.cache(lambda: explorer.explorer_rows(live.data, matched, sort)),
            "matched_count": len(matched) if matched is not None else None,
            "summary": live.summary(),
            "pending_leaves": agreement.pending_adjudication_leaves(live),
            # The unfiltered tree in tree order (about 1 MB of HTML at the benchmark's 1,000 faults) is rendered once
            # per data version, whatever else the query string holds; filtered or sorted views are smaller and their
            # query strings unbounded, so they are not stored.
            "tree_cache": coverage_cache.fragment(enabled_here=not filtering and sort == "tree", version=live.version),
        },
    )


EVIDENCE_LIMIT = 50  # records listed on a fault page before "see all" (a page of the evidence lists)
# Mappings listed per section of a fault page before "see all": a page of the papers list the link leads to. Each
# listed mapping costs its paper, fault and methods as objects (~0.3 ms each on the benchmark's machine).
MAPPING_LIMIT = PaperListView.paginate_by


def _challenge_groups(links) -> list[tuple[Challenge, list[ChallengeFault]]]:
    """Challenge links as one entry per challenge (in the links' order) with the faults it is linked through."""
    groups: dict[int, tuple[Challenge, list[ChallengeFault]]] = {}
    for link in links:
        groups.setdefault(link.challenge_id, (link.challenge, []))[1].append(link)
    return list(groups.values())


@require_safe
def fault_detail(request, code: str):
    fault = get_object_or_404(Fault.objects.for_detail(), code=code)
    live = coverage_live.live()
    outline = live.outline  # the tree's shape and statuses; the rows shown are read one by one
    if code not in outline.by_code:  # created between the two reads
        raise Http404
    ancestor_ids = [node.pk for node in outline.ancestors(code)]
    subtree = [node.pk for node in outline.subtree(code)]
    child_ids = [node.pk for node in outline.children(code)]
    rows = live.rows([fault.pk, *ancestor_ids, *child_ids])
    row = rows[fault.pk]
    # Each list capped (a top category holds a fifth of all mappings below it: ~10,000 at scale 100), in one query.
    group = Case(
        When(fault_id=fault.pk, then=Value("direct")),
        When(fault_id__in=ancestor_ids, then=Value("above")),
        default=Value("below"),
        output_field=CharField(),
    )
    # The papers the user codes blind are left out of the lists, the history and the pending adjudications, and a
    # leaf's status is that of its visible mappings (one more query, for a blind coder only).
    blind = blind_paper_ids(request)
    if blind:  # the outline's counts include the hidden papers: rank the whole subtree's visible mappings
        listed, below_total = subtree + ancestor_ids, None
    else:  # only the faults holding the first mappings below (the outline counts each fault's mappings)
        first_below, below_total = outline.first_below(code, MAPPING_LIMIT)
        listed = [fault.pk, *ancestor_ids, *first_below]
    shown = visible_papers(FaultMapping.objects.for_list(), request).filter(fault_id__in=listed)
    mappings, totals = shown.first_per_group(group, MAPPING_LIMIT)
    if below_total is not None:
        totals["below"] = below_total
    groups = {name: [m for m in mappings if m.group == name] for name in ("direct", "above", "below")}
    direct = groups["direct"]
    if blind and row.is_leaf:
        row = coverage.leaf_row_from(row, **shown.filter(fault_id=fault.pk).aggregate(**coverage.LEAF_COUNTS))
    context = {
        "fault": fault,
        "row": row,
        "ancestors": [rows[pk] for pk in ancestor_ids],
        "children": [rows[pk] for pk in child_ids],
        "explicit_mappings": [m for m in direct if m.strength == "explicit"],
        "partial_mappings": [m for m in direct if m.strength == "partial"],
        "direct_mappings": direct,
        "above_mappings": groups["above"],
        "below_mappings": groups["below"],
        "mapping_totals": {name: totals.get(name, 0) for name in groups},
        "mapping_limit": MAPPING_LIMIT,
        # Capped: at scale one leaf can hold hundreds of thousands of records; the lists link to all of them.
        "artifacts": list(fault.artifacts.for_list()[:EVIDENCE_LIMIT]),
        "artifact_total": row.evidence.github + row.evidence.stackoverflow,
        "mentions": list(fault.interview_mentions.for_list()[:EVIDENCE_LIMIT]),
        "mention_total": row.evidence.interviews,
        "evidence_limit": EVIDENCE_LIMIT,
        "history": fault_history(fault, hidden_papers=blind),
        "pending_adjudication": [
            d for d in agreement.pending_adjudication_leaves(live).get(fault.pk, []) if d.pair.paper.pk not in blind
        ],
        "blind": bool(blind),
        "hidden": HIDDEN,
        "citation": formats(fault_csl(fault, request.build_absolute_uri(fault.get_absolute_url()))),
        "challenge_groups": _challenge_groups(
            ChallengeFault.objects.filter(fault_id__in=subtree)
            .select_related("challenge", "fault")
            .order_by("challenge__status", "challenge__position", "challenge__name", "fault__position")
        ),
    }
    return render(request, "taxonomy/fault_detail.html", context)


#
# Home, coverage dashboard, sources
#


@require_safe
def home(request):
    summary = coverage_live.live().summary()
    headline = [
        {
            "comparison": c,
            "share": summaries.computed_share(summary, c.figure.computed_counterpart),
            "label": FIGURE_LABELS.get(c.figure.computed_counterpart, c.figure.of),
        }
        for c in summaries.reported_comparison(summary)
    ]
    latest = Release.objects.for_list().first()
    if latest is not None:
        jsonld = _release_context(request, latest)["jsonld"]
    else:
        jsonld = releases.live_dataset_jsonld(
            page_url=request.build_absolute_uri("/"),
            export_url=request.build_absolute_uri(reverse("api:export-dataset")),
            figures=summaries.summary_dict(summary),
        )
    return render(
        request,
        "coverage/home.html",
        {
            "jsonld": jsonld,
            "latest_release": latest,
            "summary": summary,
            "headline": headline,
            "catalogue": summaries.challenge_catalogue(),
            "survey": next((h["comparison"].figure.source for h in headline), None),
            "seed_release": seed.current_release(),
        },
    )


@require_safe
def coverage_dashboard(request):
    live = coverage_live.live()
    summary = live.summary()
    return render(
        request,
        "coverage/dashboard.html",
        {
            "summary": summary,
            # Built only if the template renders the charts (not when the cached fragment is used).
            "dashboard": functools.cache(lambda: dashboard.build(live.data, summary)),
            "min_evidence": dashboard.DEMAND_GAP_MIN_EVIDENCE,
            # Charts, tables and demand gaps (hundreds of ms to build and render at scale) are read only from
            # data whose every change bumps the data version: rendered once per version.
            "dashboard_cache": coverage_cache.fragment(version=live.version),
        },
    )


@require_safe
def dashboard_csv(request, key: str):
    """One dashboard chart's numbers (its table) as a CSV download named after the chart."""
    data = coverage.compute()
    chart = dashboard.build(data, summaries.coverage_summary(data)).chart(key)
    if chart is None:
        raise Http404("No such chart.")
    response = HttpResponse(dashboard.chart_csv(chart), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{dashboard.csv_filename(chart)}"'
    return response


@require_safe
def sources(request):
    summary = coverage_live.live().summary()
    return render(
        request,
        "coverage/sources.html",
        {
            "sources": Source.objects.all(),
            # Each reported figure named by what it measures (ours), its survey wording beside it.
            "comparisons": [
                (c, FIGURE_LABELS.get(c.figure.computed_counterpart, c.figure.of))
                for c in summaries.reported_comparison(summary)
            ],
            "summary": summary,
            "seed_releases": seed.releases(),
        },
    )


#
# Releases
#


def _release_context(request, release: Release) -> dict:
    """A release page's context: figures, diff, citations, schema.org Dataset. 1 query (the first approval)."""
    page_url = request.build_absolute_uri(release.get_absolute_url())
    download_url = request.build_absolute_uri(reverse("coverage:release-download", args=[release.version]))
    first_approval = FaultMapping.objects.filter(uid__in=release.snapshot.entries.values("mapping_uid")).aggregate(
        first=Min("approved_at")
    )["first"]
    return {
        "release": release,
        # Group order as on the snapshot pages (PostgreSQL's jsonb does not keep the stored key order).
        "rows": sorted(
            _figure_rows(snapshots._flatten(release.figures)),
            key=lambda row: (
                list(GROUP_LABELS.values()).index(row["group"]) if row["group"] in GROUP_LABELS.values() else 99
            ),
        ),
        "changes": release.changes,
        "citation": formats(release_csl(release)),
        "jsonld": releases.dataset_jsonld(
            release,
            page_url=page_url,
            download_url=download_url,
            temporal_start=first_approval.date().isoformat() if first_approval else None,
        ),
    }


@require_safe
def release_list(request):
    return render(
        request,
        "coverage/release_list.html",
        {"releases": list(Release.objects.for_list()), "can_publish": request.user.has_perm(RELEASE_PERMISSION)},
    )


@require_safe
def release_detail(request, version):
    release = get_object_or_404(Release.objects.for_list(), version=version)
    return render(request, "coverage/release_detail.html", _release_context(request, release))


@require_safe
def release_latest(request):
    release = Release.objects.for_list().first()
    if release is None:
        raise Http404("No release has been published yet.")
    return redirect(release)


@require_safe
def release_download(request, version):
    release = get_object_or_404(Release.objects.only("version", "archive", "archive_sha256"), version=version)
    response = HttpResponse(bytes(release.archive), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="kb-release-{release.version}.zip"'
    response["ETag"] = f'"{release.archive_sha256}"'
    response["Cache-Control"] = "public, max-age=31536000, immutable"  # a release never changes
    return response


@login_required
@permission_required(RELEASE_PERMISSION, raise_exception=True)
def release_create(request):
    """GET: the form, with release notes generated from the chosen snapshot's diff; POST: publish."""
    previous = releases.previous_release()
    if request.method == "POST":
        form = ReleaseForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            url = request.build_absolute_uri(reverse("coverage:release-detail", args=[data["version"]]))
            try:
                release = releases.publish(**data, url=url, published_by=request.user.get_username())
            except (releases.ReleaseError, ArchiveError) as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, f"Published release {release.version}.")
                return redirect(release)
        return render(request, "coverage/release_form.html", {"form": form, "previous": previous}, status=400)
    snapshot = Snapshot.objects.filter(name=request.GET.get("snapshot", "")).first()
    snapshot = snapshot or Snapshot.objects.order_by("-created_at", "-pk").first()
    initial = {"date": timezone.localdate(), "name": KB_NAME}
    if snapshot is not None:
        changes = releases.draft_changes(snapshot, previous)
        initial.update(snapshot=snapshot.name, release_notes=releases.draft_notes(snapshot, changes, previous))
    return render(request, "coverage/release_form.html", {"form": ReleaseForm(initial=initial), "previous": previous})
