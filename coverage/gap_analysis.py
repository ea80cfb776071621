"""Research vs practice: fault categories x debugging methods (the gap map), demand gaps (leaves with much
practitioner evidence and little research), papers per year by method. Computed from ``coverage.compute()``'s data.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from coverage.coverage import CoverageData, FaultCoverage, practitioner_evidence
from papers.models import Paper
from taxonomy.models import Fault, Method


@dataclass(frozen=True)
class GapCell:
    category: Fault  # a top-level category
    method: Method  # a top-level method family
    papers: int  # distinct papers using the method on a fault in the category's subtree


def gap_map(data: CoverageData, *, depth: int = 0) -> list[GapCell]:
    """Fault categories (at ``depth``) x top-level debugging methods, counting distinct papers. One query."""
    method_list = list(Method.objects.order_by("position", "code"))
    by_id = {m.pk: m for m in method_list}
    tops = [m for m in method_list if m.parent_id is None]
    top_of = {m.code: by_id[m.parent_id] if m.parent_id else m for m in method_list}
    category_of: dict[int, Fault] = {}
    categories = [node for node in data.tree if node.depth == depth and node.fault.kind == Fault.Kind.CATEGORY]
    for node in categories:
        for fid in node.descendant_ids():
            category_of[fid] = node.fault
    papers: dict[tuple[int, str], set[str]] = defaultdict(set)
    for fact in data.facts:
        category = category_of.get(fact.fault_id)
        if category is None:
            continue
        for code in fact.methods:
            top = top_of.get(code)
            if top is not None:
                papers[(category.pk, top.code)].add(fact.paper)
    return [
        GapCell(category=node.fault, method=method, papers=len(papers[(node.fault.pk, method.code)]))
        for node in categories
        for method in tops
    ]


@dataclass(frozen=True)
class DemandGap:
    row: FaultCoverage
    evidence: int
    papers: int


def demand_gaps(data: CoverageData, *, min_evidence: int = 5, max_papers: int = 0) -> list[DemandGap]:
    """Leaves with much practitioner evidence and little research, most evidence first."""
    gaps = [
        DemandGap(row, practitioner_evidence(row.evidence_subtree), row.papers)
        for row in data.rows
        if row.is_leaf and practitioner_evidence(row.evidence_subtree) >= min_evidence and row.papers <= max_papers
    ]
    return sorted(gaps, key=lambda gap: (-gap.evidence, gap.row.fault.position))


def papers_per_year_by_method(data: CoverageData) -> dict[tuple[int | None, str], int]:
    """(year, top-level method code) -> distinct papers in the mapping set. One query for the years."""
    paper_keys = {fact.paper for fact in data.facts}
    years = dict(Paper.objects.filter(key__in=paper_keys).values_list("key", "year")) if paper_keys else {}
    parents = dict(Method.objects.values_list("code", "parent__code"))
    seen: dict[tuple[int | None, str], set[str]] = defaultdict(set)
    for fact in data.facts:
        for code in fact.methods:
            top = parents.get(code) or code
            seen[(years.get(fact.paper), top)].add(fact.paper)
    return {key: len(value) for key, value in sorted(seen.items(), key=lambda kv: (kv[0][0] or 0, kv[0][1]))}


def demand_gaps_by_category(data: CoverageData, *, depth: int = 0, **kwargs) -> dict[str, list[DemandGap]]:
    """Demand gaps (``demand_gaps(data, **kwargs)``) grouped by the category at ``depth`` that holds them.

    Every category at that depth is a key (with an empty list when it has none), in tree order. No query.
    """
    groups: dict[str, list[DemandGap]] = {
        node.fault.code: [] for node in data.tree if node.depth == depth and node.fault.kind == Fault.Kind.CATEGORY
    }
    for gap in demand_gaps(data, **kwargs):
        chain = [*data.tree.by_id[gap.row.fault.pk].ancestors, data.tree.by_id[gap.row.fault.pk]]
        if len(chain) > depth and chain[depth].fault.code in groups:
            groups[chain[depth].fault.code].append(gap)
    return groups
