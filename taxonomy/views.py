"""Taxonomy pages: the explorer and a fault's page.

Counts and statuses come from ``coverage.compute()`` (a fixed handful of queries); papers and practitioner
evidence are reached through ``Fault``'s related names, so this app imports no other app.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from coverage import cache as coverage_cache
from coverage import coverage
from coverage.coverage import FaultCoverage
from kb_site.citations import formats
from kb_site.ui import label_choices
from taxonomy.citations import fault_csl
from taxonomy.filtersets import FaultFilterSet
from taxonomy.history import fault_history
from taxonomy.models import Fault, related_model


def _related(name: str):
    return related_model(Fault, name)


@dataclass
class ExplorerRow:
    """One row of the explorer's tree-table: a node, its depth and ancestors (for folding), whether it matched."""

    row: FaultCoverage
    depth: int
    path: list[str]  # codes of its ancestors, root first
    has_children: bool
    matched: bool


# How the explorer can be ordered: the tree itself, or its leaves alone by a measure (most telling first).
SORTS = {
    "tree": "Tree order",
    "evidence": "Leaves by practitioner evidence (most first)",
    "papers": "Leaves by papers (fewest first)",
}


def _explorer(data: coverage.CoverageData, matched: set[int] | None, sort: str) -> list[ExplorerRow]:
    """Tree order (with ``matched``: those nodes plus their ancestors, greyed, for context), or leaves sorted."""
    rows: list[ExplorerRow] = []
    by_code = {row.code: row for row in data.rows}

    def keep(node) -> bool:
        return matched is None or node.fault.pk in matched or any(keep(child) for child in node.children)

    def walk(node, path: list[str]) -> None:
        if not keep(node):
            return
        hit = matched is None or node.fault.pk in matched
        rows.append(ExplorerRow(by_code[node.fault.code], len(path), path, bool(node.children), hit))
        for child in node.children:
            walk(child, [*path, node.fault.code])

    for root in data.tree.roots:
        walk(root, [])
    if sort == "tree":
        return rows
    leaves = [r for r in rows if r.row.is_leaf and r.matched]
    if sort == "evidence":
        leaves.sort(key=lambda r: (-coverage.practitioner_evidence(r.row.evidence), r.row.papers, r.row.fault.position))
    else:
        leaves.sort(key=lambda r: (r.row.papers, -coverage.practitioner_evidence(r.row.evidence), r.row.fault.position))
    return [ExplorerRow(r.row, 0, [], False, True) for r in leaves]


@require_safe
def fault_list(request):
    data = coverage.compute()
    filterset = FaultFilterSet(request.GET or None, queryset=Fault.objects.all())
    # API-only parameters (database ids) are left out of the page's form, so its URLs carry one per concept.
    label_choices(filterset.form, tree=data.tree, hidden=["parent_id"])
    sort = request.GET.get("sort", "tree")
    sort = sort if sort in SORTS else "tree"
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
            "sorts": SORTS,
            "sort_label": SORTS[sort],
            # Built only if the template renders the tree (not when the cached fragment is used).
            "rows": functools.cache(lambda: _explorer(data, matched, sort)),
            "matched_count": len(matched) if matched is not None else None,
            "summary": coverage.coverage_summary(data),
            # The unfiltered tree (about 1 MB of HTML at the benchmark's 1,000 faults) is rendered once per data
            # version; filtered views are smaller and their query strings unbounded, so they are not stored.
            "tree_cache": coverage_cache.fragment(enabled_here=not request.GET, data=data),
        },
    )


EVIDENCE_LIMIT = 200  # records listed on a fault page before "see all"


@require_safe
def fault_detail(request, code: str):
    fault = get_object_or_404(Fault.objects.for_detail(), code=code)
    data = coverage.compute()
    try:
        node = data.tree.node(code)
    except KeyError as exc:  # created between the two queries
        raise Http404 from exc
    row = data.row(code)
    ancestors = node.ancestors
    subtree = node.descendant_ids()
    ancestor_ids = [a.fault.pk for a in ancestors]
    mappings = list(
        _related("mappings").objects.for_list().filter(fault_id__in=subtree + ancestor_ids).select_related("fault")
    )
    direct = [m for m in mappings if m.fault_id == fault.pk]
    Link = _related("challenge_links")
    context = {
        "fault": fault,
        "row": row,
        "ancestors": [data.row(a.fault.code) for a in ancestors],
        "children": [data.row(child.fault.code) for child in node.children],
        "explicit_mappings": [m for m in direct if m.strength == "explicit"],
        "partial_mappings": [m for m in direct if m.strength == "partial"],
        "direct_mappings": direct,
        "above_mappings": [m for m in mappings if m.fault_id in ancestor_ids],
        "below_mappings": [m for m in mappings if m.fault_id in subtree and m.fault_id != fault.pk],
        # Capped: at scale one leaf can hold hundreds of thousands of records; the lists link to all of them.
        "artifacts": list(fault.artifacts.for_list()[:EVIDENCE_LIMIT]),
        "artifact_total": row.evidence.github + row.evidence.stackoverflow,
        "mentions": list(fault.interview_mentions.for_list()[:EVIDENCE_LIMIT]),
        "mention_total": row.evidence.interviews,
        "evidence_limit": EVIDENCE_LIMIT,
        "history": fault_history(fault),
        "citation": formats(fault_csl(fault, request.build_absolute_uri(fault.get_absolute_url()))),
        "challenge_links": list(
            Link.objects.filter(fault_id__in=subtree).select_related("challenge", "fault").order_by("challenge__status")
        ),
    }
    return render(request, "taxonomy/fault_detail.html", context)
