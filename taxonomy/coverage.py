"""Coverage statistics: the one home of every computed figure.

The rule (shared/survey-data/README.md, repeated on the Sources page):

* A leaf fault is **addressed** when at least one approved ``explicit`` mapping targets that leaf,
  **partially addressed** when it has none but has at least one approved ``partial`` mapping to it,
  **unaddressed** otherwise.
* A mapping to a category never changes the status of the leaves below it; it is counted in the
  category's roll-up as research on the category as a whole.
* Leaf coverage is the share of all leaves in each status. Practice-weighted coverage is the share of
  classified GitHub artefacts (issues, commits, pull requests), of classified interview mentions and of
  classified StackOverflow posts whose leaf is unaddressed. Unclassified records are counted and shown but
  are never part of a denominator; records classified to a category (not a leaf) are counted separately.

Every function takes the *mapping set* to compute from: the live approved mappings (optionally as they
stood at a past moment) or the frozen set of a snapshot. Query cost is fixed: one query for the tree, one
for the mapping set, one each for the evidence counts, whatever the size of the data.

This module imports no other app: papers, artefacts and mentions are reached through the related names
of ``Fault`` (``mappings``, ``artifacts``, ``interview_mentions``, ``challenge_links``).
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from django.db.models import Count, Q

from taxonomy.models import Fault, Method, ReportedFigure, ReviewStatus, Snapshot, Strength
from taxonomy.tree import Tree, build_tree


class Status(StrEnum):
    ADDRESSED = "addressed"
    PARTIAL = "partial"
    UNADDRESSED = "unaddressed"

    @property
    def label(self) -> str:
        return {"addressed": "Addressed", "partial": "Partially addressed", "unaddressed": "Unaddressed"}[self]


def percent(numerator: int, denominator: int) -> Decimal | None:
    """numerator/denominator as a percentage rounded half-up to one decimal; None when the denominator is 0."""
    if not denominator:
        return None
    return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Share:
    numerator: int
    denominator: int

    @property
    def pct(self) -> Decimal | None:
        return percent(self.numerator, self.denominator)


#
# The mapping set
#


@dataclass(frozen=True)
class MappingFact:
    """What coverage needs to know of one approved mapping."""

    fault_id: int
    paper: str  # paper key: stable across live data and snapshots
    strength: str
    methods: tuple[str, ...] = ()


def _related_model(name: str):
    return Fault._meta.get_field(name).related_model


def mapping_set(*, as_of: datetime.datetime | None = None, snapshot: Snapshot | None = None) -> list[MappingFact]:
    """The mappings coverage is computed from: a snapshot's frozen set, or the live approved set (at ``as_of``).

    Two queries: the mappings with their paper key, and their method codes.
    """
    if snapshot is not None:
        return [
            MappingFact(entry.fault_id, entry.paper_key, entry.strength, tuple(entry.methods))
            for entry in snapshot.entries.all().order_by("pk")
        ]
    FaultMapping = _related_model("mappings")
    mappings = FaultMapping.objects.all()
    if as_of is None:
        mappings = mappings.filter(status=ReviewStatus.APPROVED)
    else:
        # A mapping counted at `as_of` had been approved by then and not yet retracted.
        mappings = mappings.filter(
            Q(status__in=[ReviewStatus.APPROVED, ReviewStatus.RETRACTED]),
            approved_at__lte=as_of,
        ).filter(Q(retracted_at__isnull=True) | Q(retracted_at__gt=as_of))
    rows = list(mappings.values_list("pk", "fault_id", "paper__key", "strength"))
    methods: dict[int, list[str]] = defaultdict(list)
    through = FaultMapping.methods.through
    for mapping_id, code in (
        through.objects.filter(faultmapping_id__in=[row[0] for row in rows])
        .order_by("method__position")
        .values_list("faultmapping_id", "method__code")
        if rows
        else []
    ):
        methods[mapping_id].append(code)
    return [MappingFact(fault_id, paper, strength, tuple(methods[pk])) for pk, fault_id, paper, strength in rows]


#
# Per-fault coverage
#


@dataclass(frozen=True)
class EvidenceCounts:
    github: int = 0
    stackoverflow: int = 0
    interviews: int = 0  # interview mentions

    @property
    def total(self) -> int:
        return self.github + self.stackoverflow + self.interviews

    def __add__(self, other: EvidenceCounts) -> EvidenceCounts:
        return EvidenceCounts(
            self.github + other.github, self.stackoverflow + other.stackoverflow, self.interviews + other.interviews
        )


@dataclass(frozen=True)
class FaultCoverage:
    """Coverage of one taxonomy node. Leaves have a status; categories roll their subtree up."""

    fault: Fault
    depth: int
    parent_code: str | None
    status: Status | None  # None for categories
    explicit: int  # approved explicit mappings directly on this node
    partial: int  # approved partial mappings directly on this node
    papers: int  # distinct papers mapped directly to this node
    papers_subtree: int  # distinct papers mapped to this node or any descendant
    category_mappings_subtree: int  # mappings to categories in this subtree ("research on the category as a whole")
    evidence: EvidenceCounts  # practitioner evidence classified directly to this node
    evidence_subtree: EvidenceCounts
    leaves: int  # leaves in the subtree (1 for a leaf)
    leaves_addressed: int
    leaves_partial: int
    leaves_unaddressed: int
    challenges: int
    methods: tuple[str, ...] = field(default=())  # method codes of the direct mappings

    @property
    def code(self) -> str:
        return self.fault.code

    @property
    def is_leaf(self) -> bool:
        return self.status is not None

    @property
    def status_label(self) -> str:
        return self.status.label if self.status else "Category"

    @property
    def unaddressed_share(self) -> Share:
        return Share(self.leaves_unaddressed, self.leaves)


def leaf_status(explicit: int, partial: int) -> Status:
    if explicit:
        return Status.ADDRESSED
    if partial:
        return Status.PARTIAL
    return Status.UNADDRESSED


def _evidence_by_fault() -> tuple[dict[int, EvidenceCounts], dict[str, int]]:
    """Evidence per fault id, and unclassified counts per source: two grouped queries."""
    Artifact = _related_model("artifacts")
    Mention = _related_model("interview_mentions")
    github: Counter[int] = Counter()
    stackoverflow: Counter[int] = Counter()
    unclassified = {"github": 0, "stackoverflow": 0, "interviews": 0}
    for fault_id, source, n in Artifact.objects.values_list("fault_id", "source").annotate(n=Count("pk")).order_by():
        if fault_id is None:
            unclassified[source] = unclassified.get(source, 0) + n
        elif source == "github":
            github[fault_id] += n
        else:
            stackoverflow[fault_id] += n
    interviews: Counter[int] = Counter()
    for fault_id, n in Mention.objects.values_list("fault_id").annotate(n=Count("pk")).order_by():
        if fault_id is None:
            unclassified["interviews"] += n
        else:
            interviews[fault_id] += n
    ids = set(github) | set(stackoverflow) | set(interviews)
    return {i: EvidenceCounts(github[i], stackoverflow[i], interviews[i]) for i in ids}, unclassified


def _challenges_by_fault() -> Counter[int]:
    Link = _related_model("challenge_links")
    return Counter(dict(Link.objects.values_list("fault_id").annotate(n=Count("pk")).order_by()))


@dataclass(frozen=True)
class CoverageData:
    """Everything one computation produced: rows in tree order plus the raw counts the summary needs."""

    rows: list[FaultCoverage]
    tree: Tree
    facts: list[MappingFact]
    unclassified: dict[str, int]

    def row(self, code: str) -> FaultCoverage:
        return self._by_code[code]

    @property
    def _by_code(self) -> dict[str, FaultCoverage]:
        return {row.code: row for row in self.rows}


def compute(
    *, as_of: datetime.datetime | None = None, snapshot: Snapshot | None = None, tree: Tree | None = None
) -> CoverageData:
    """Coverage of every node, tree order. 6 queries whatever the data size (tree, 2 mapping set, 3 evidence)."""
    tree = tree or build_tree()
    facts = mapping_set(as_of=as_of, snapshot=snapshot)
    evidence, unclassified = _evidence_by_fault()
    challenges = _challenges_by_fault()

    explicit: Counter[int] = Counter()
    partial: Counter[int] = Counter()
    papers: dict[int, set[str]] = defaultdict(set)
    methods: dict[int, set[str]] = defaultdict(set)
    for fact in facts:
        if fact.fault_id not in tree.by_id:
            continue
        (explicit if fact.strength == Strength.EXPLICIT else partial)[fact.fault_id] += 1
        papers[fact.fault_id].add(fact.paper)
        methods[fact.fault_id].update(fact.methods)

    # Post-order roll-up: children are computed before their parent.
    results: dict[int, FaultCoverage] = {}
    subtree_papers: dict[int, set[str]] = {}
    for root in tree.roots:
        for node in reversed(list(root.walk())):
            fid = node.fault.pk
            is_leaf = node.fault.kind == Fault.Kind.LEAF
            status = leaf_status(explicit[fid], partial[fid]) if is_leaf else None
            own_papers = set(papers[fid])
            ev = evidence.get(fid, EvidenceCounts())
            ev_sub = ev
            leaves = 1 if is_leaf else 0
            counts = Counter({status: 1}) if status else Counter()
            category_mappings = 0 if is_leaf else explicit[fid] + partial[fid]
            for child in node.children:
                child_row = results[child.fault.pk]
                own_papers |= subtree_papers[child.fault.pk]
                ev_sub = ev_sub + child_row.evidence_subtree
                leaves += child_row.leaves
                counts[Status.ADDRESSED] += child_row.leaves_addressed
                counts[Status.PARTIAL] += child_row.leaves_partial
                counts[Status.UNADDRESSED] += child_row.leaves_unaddressed
                category_mappings += child_row.category_mappings_subtree
            subtree_papers[fid] = own_papers
            results[fid] = FaultCoverage(
                fault=node.fault,
                depth=node.depth,
                parent_code=node.parent.fault.code if node.parent else None,
                status=status,
                explicit=explicit[fid],
                partial=partial[fid],
                papers=len(papers[fid]),
                papers_subtree=len(own_papers),
                category_mappings_subtree=category_mappings,
                evidence=ev,
                evidence_subtree=ev_sub,
                leaves=leaves,
                leaves_addressed=counts[Status.ADDRESSED],
                leaves_partial=counts[Status.PARTIAL],
                leaves_unaddressed=counts[Status.UNADDRESSED],
                challenges=challenges.get(fid, 0),
                methods=tuple(sorted(methods[fid])),
            )
    rows = [results[node.fault.pk] for node in tree]
    return CoverageData(rows=rows, tree=tree, facts=facts, unclassified=unclassified)


def fault_coverage(**kwargs) -> list[FaultCoverage]:
    """One row per fault, tree order (see ``compute``)."""
    return compute(**kwargs).rows


#
# Summary
#


@dataclass(frozen=True)
class LeafShares:
    total: int
    addressed: int
    partial: int
    unaddressed: int

    def share(self, status: Status) -> Share:
        return Share(getattr(self, status.value), self.total)

    @property
    def addressed_pct(self) -> Decimal | None:
        return percent(self.addressed, self.total)

    @property
    def partial_pct(self) -> Decimal | None:
        return percent(self.partial, self.total)

    @property
    def unaddressed_pct(self) -> Decimal | None:
        return percent(self.unaddressed, self.total)


@dataclass(frozen=True)
class PracticeShares:
    """Practitioner records of one source by the status of the leaf they are classified to."""

    classified: int  # classified to a leaf: the denominator
    unclassified: int
    on_category: int  # classified to a category node: counted, not in the denominator
    addressed: int
    partial: int
    unaddressed: int

    @property
    def unaddressed_pct(self) -> Decimal | None:
        return percent(self.unaddressed, self.classified)

    @property
    def unaddressed_share(self) -> Share:
        return Share(self.unaddressed, self.classified)


@dataclass(frozen=True)
class CoverageSummary:
    leaves: LeafShares
    github: PracticeShares
    stackoverflow: PracticeShares
    interviews: PracticeShares
    papers: int  # distinct papers in the mapping set
    mappings: int
    explicit_mappings: int
    partial_mappings: int
    category_mappings: int
    challenges_confirmed: int

    def computed_value(self, key: str) -> Decimal | int | None:
        """A computed figure by dotted key, e.g. ``leaves.addressed_pct``; None when unknown."""
        if key == "papers.total":
            return self.papers
        if key == "challenges.confirmed":
            return self.challenges_confirmed
        group, _, attr = key.partition(".")
        target = getattr(self, group, None)
        return getattr(target, attr, None) if target is not None and attr else None


def coverage_summary(data: CoverageData | None = None, **kwargs) -> CoverageSummary:
    """Totals and shares over a computation (computed afresh when ``data`` is not given)."""
    data = data or compute(**kwargs)
    leaves = [row for row in data.rows if row.is_leaf]
    by_status = Counter(row.status for row in leaves)

    def practice(attr: str) -> PracticeShares:
        counts = Counter()
        on_category = 0
        for row in data.rows:
            n = getattr(row.evidence, attr)
            if row.is_leaf:
                counts[row.status] += n
            else:
                on_category += n
        return PracticeShares(
            classified=sum(counts.values()),
            unclassified=data.unclassified.get(attr, 0),
            on_category=on_category,
            addressed=counts[Status.ADDRESSED],
            partial=counts[Status.PARTIAL],
            unaddressed=counts[Status.UNADDRESSED],
        )

    facts = [fact for fact in data.facts if fact.fault_id in data.tree.by_id]
    leaf_ids = {row.fault.pk for row in leaves}
    Challenge = _related_model("challenges")
    return CoverageSummary(
        leaves=LeafShares(
            total=len(leaves),
            addressed=by_status[Status.ADDRESSED],
            partial=by_status[Status.PARTIAL],
            unaddressed=by_status[Status.UNADDRESSED],
        ),
        github=practice("github"),
        stackoverflow=practice("stackoverflow"),
        interviews=practice("interviews"),
        papers=len({fact.paper for fact in facts}),
        mappings=len(facts),
        explicit_mappings=sum(1 for fact in facts if fact.strength == Strength.EXPLICIT),
        partial_mappings=sum(1 for fact in facts if fact.strength == Strength.PARTIAL),
        category_mappings=sum(1 for fact in facts if fact.fault_id not in leaf_ids),
        challenges_confirmed=Challenge.objects.filter(status="confirmed").count(),
    )


@dataclass(frozen=True)
class ReportedComparison:
    figure: ReportedFigure
    computed: Decimal | int | None


def reported_comparison(summary: CoverageSummary) -> list[ReportedComparison]:
    """The survey's published figures, each beside the computed figure it corresponds to. One query."""
    figures = ReportedFigure.objects.select_related("source").order_by("position", "key")
    return [
        ReportedComparison(fig, summary.computed_value(fig.computed_counterpart) if fig.computed_counterpart else None)
        for fig in figures
    ]


def _pct(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def summary_dict(summary: CoverageSummary, comparisons: Iterable[ReportedComparison] = ()) -> dict:
    """The stable machine-readable form (``manage.py coverage --json``, ``/api/coverage/summary/``, snapshots)."""

    def practice(p: PracticeShares) -> dict:
        return {
            "classified": p.classified,
            "unclassified": p.unclassified,
            "on_category": p.on_category,
            "addressed": p.addressed,
            "partial": p.partial,
            "unaddressed": p.unaddressed,
            "unaddressed_pct": _pct(p.unaddressed_pct),
        }

    leaves = summary.leaves
    return {
        "leaves": {
            "total": leaves.total,
            "addressed": leaves.addressed,
            "partial": leaves.partial,
            "unaddressed": leaves.unaddressed,
            "addressed_pct": _pct(leaves.addressed_pct),
            "partial_pct": _pct(leaves.partial_pct),
            "unaddressed_pct": _pct(leaves.unaddressed_pct),
        },
        "github": practice(summary.github),
        "interviews": practice(summary.interviews),
        "stackoverflow": practice(summary.stackoverflow),
        "papers": {
            "total": summary.papers,
            "mappings": summary.mappings,
            "explicit": summary.explicit_mappings,
            "partial": summary.partial_mappings,
            "category_level": summary.category_mappings,
        },
        "challenges": {"confirmed": summary.challenges_confirmed},
        "reported": [
            {
                "key": c.figure.key,
                "value": float(c.figure.value),
                "unit": c.figure.unit,
                "of": c.figure.of,
                "locator": c.figure.locator,
                "source": c.figure.source.citation,
                "source_key": c.figure.source.key,
                "computed_counterpart": c.figure.computed_counterpart or None,
                "computed": float(c.computed) if isinstance(c.computed, Decimal) else c.computed,
            }
            for c in comparisons
        ],
    }


#
# Research vs practice: categories x methods, demand gaps
#


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
        DemandGap(row, row.evidence_subtree.total, row.papers)
        for row in data.rows
        if row.is_leaf and row.evidence_subtree.total >= min_evidence and row.papers <= max_papers
    ]
    return sorted(gaps, key=lambda gap: (-gap.evidence, gap.row.fault.position))


def papers_per_year_by_method(data: CoverageData) -> dict[tuple[int | None, str], int]:
    """(year, top-level method code) -> distinct papers in the mapping set. One query for the years."""
    Paper = _related_model("mappings").paper.field.related_model
    paper_keys = {fact.paper for fact in data.facts}
    years = dict(Paper.objects.filter(key__in=paper_keys).values_list("key", "year")) if paper_keys else {}
    parents = dict(Method.objects.values_list("code", "parent__code"))
    seen: dict[tuple[int | None, str], set[str]] = defaultdict(set)
    for fact in data.facts:
        for code in fact.methods:
            top = parents.get(code) or code
            seen[(years.get(fact.paper), top)].add(fact.paper)
    return {key: len(value) for key, value in sorted(seen.items(), key=lambda kv: (kv[0][0] or 0, kv[0][1]))}
