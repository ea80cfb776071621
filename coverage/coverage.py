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

This module is the engine (per-fault rows and their roll-ups). The summary over them is ``coverage/summaries.py``,
the research-vs-practice analysis ``coverage/gap_analysis.py``. The coverage app sits on top of taxonomy, papers
and challenges and imports their models openly.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from functools import cached_property

from django.db.models import Count, Q

from challenges.models import Artifact, ChallengeFault, InterviewMention
from coverage import cache as coverage_cache
from coverage.models import Snapshot
from papers.models import FaultMapping
from taxonomy.models import Fault, ReviewStatus, Strength
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


def as_float(value: Decimal | None) -> float | None:
    """A percentage for JSON and charts (None stays None: a share of nothing is unknown, not 0)."""
    return float(value) if value is not None else None


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


def _live_filter(as_of: datetime.datetime | None, prefix: str = "") -> Q:
    """The live mappings that count (``prefix`` reaches FaultMapping from another model, e.g. ``faultmapping__``)."""
    if as_of is None:
        return Q(**{f"{prefix}status": ReviewStatus.APPROVED})
    # A mapping counted at `as_of` had been approved by then and not yet retracted.
    return Q(
        **{
            f"{prefix}status__in": [ReviewStatus.APPROVED, ReviewStatus.RETRACTED],
            f"{prefix}approved_at__lte": as_of,
        }
    ) & (Q(**{f"{prefix}retracted_at__isnull": True}) | Q(**{f"{prefix}retracted_at__gt": as_of}))


def mapping_set(
    *,
    as_of: datetime.datetime | None = None,
    snapshot: Snapshot | None = None,
    fault_ids: Iterable[int] | None = None,
) -> list[MappingFact]:
    """The mappings coverage is computed from: a snapshot's frozen set, or the live approved set (at ``as_of``);
    only those on ``fault_ids`` when given (a page about a few faults need not read every mapping).

    Two queries: the mappings with their paper key, and their method codes.
    """
    only = Q(fault_id__in=list(fault_ids)) if fault_ids is not None else Q()
    if snapshot is not None:
        return [
            MappingFact(entry.fault_id, entry.paper_key, entry.strength, tuple(entry.methods))
            for entry in snapshot.entries.filter(only).order_by("pk")
        ]
    mappings = FaultMapping.objects.filter(_live_filter(as_of), only)
    rows = list(mappings.values_list("pk", "fault_id", "paper__key", "strength"))
    methods: dict[int, list[str]] = defaultdict(list)
    through = FaultMapping.methods.through
    # The same filter as a subquery, not a list of ids: tens of thousands of bound parameters cost more to
    # send and parse than the query itself (and PostgreSQL accepts at most 65,535).
    for mapping_id, code in (
        through.objects.filter(faultmapping__in=mappings.values("pk"))
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

    @property
    def addressed_pct(self) -> Decimal | None:
        return percent(self.leaves_addressed, self.leaves)

    @property
    def partial_pct(self) -> Decimal | None:
        return percent(self.leaves_partial, self.leaves)

    @property
    def unaddressed_pct(self) -> Decimal | None:
        return percent(self.leaves_unaddressed, self.leaves)


def practitioner_evidence(evidence: EvidenceCounts) -> int:
    """The one measure of practitioner evidence every view uses: GitHub artefacts + StackOverflow posts + interview
    mentions classified to the fault (the explorer's sort, the treemap's sizes, the scatter, the demand gaps)."""
    return evidence.total


def leaf_status(explicit: int, partial: int) -> Status:
    if explicit:
        return Status.ADDRESSED
    if partial:
        return Status.PARTIAL
    return Status.UNADDRESSED


# What ``leaf_row_from`` needs, as one aggregate over a leaf's approved mappings.
LEAF_COUNTS = {
    "explicit": Count("pk", filter=Q(strength=Strength.EXPLICIT)),
    "partial": Count("pk", filter=Q(strength=Strength.PARTIAL)),
    "papers": Count("paper", distinct=True),
}


def leaf_row_from(row: FaultCoverage, *, explicit: int, partial: int, papers: int) -> FaultCoverage:
    """A leaf's row as the given counts of approved mappings to it make it (``LEAF_COUNTS``; what a blind coder
    sees, ``papers.blind``: a status that only a hidden paper's mapping explains would tell them that mapping)."""
    status = leaf_status(explicit, partial)
    return dataclasses.replace(
        row,
        status=status,
        explicit=explicit,
        partial=partial,
        papers=papers,
        papers_subtree=papers,
        leaves_addressed=int(status == Status.ADDRESSED),
        leaves_partial=int(status == Status.PARTIAL),
        leaves_unaddressed=int(status == Status.UNADDRESSED),
    )


def _evidence_by_fault() -> tuple[dict[int, EvidenceCounts], dict[str, int]]:
    """Evidence per fault id, and unclassified counts per source: two grouped queries.

    ``COUNT(*)``, not ``COUNT(id)``: the grouped columns are all in an index (artefact source+fault, mention
    fault), so PostgreSQL can answer from the index alone instead of reading every row.
    """
    github: Counter[int] = Counter()
    stackoverflow: Counter[int] = Counter()
    unclassified = {"github": 0, "stackoverflow": 0, "interviews": 0}
    for fault_id, source, n in Artifact.objects.values_list("fault_id", "source").annotate(n=Count("*")).order_by():
        if fault_id is None:
            unclassified[source] = unclassified.get(source, 0) + n
        elif source == "github":
            github[fault_id] += n
        else:
            stackoverflow[fault_id] += n
    interviews: Counter[int] = Counter()
    for fault_id, n in InterviewMention.objects.values_list("fault_id").annotate(n=Count("*")).order_by():
        if fault_id is None:
            unclassified["interviews"] += n
        else:
            interviews[fault_id] += n
    ids = set(github) | set(stackoverflow) | set(interviews)
    return {i: EvidenceCounts(github[i], stackoverflow[i], interviews[i]) for i in ids}, unclassified


def _challenges_by_fault() -> Counter[int]:
    return Counter(dict(ChallengeFault.objects.values_list("fault_id").annotate(n=Count("pk")).order_by()))


@dataclass(frozen=True)
class MappingTotals:
    """Counts over the mapping set (mappings to faults outside the tree are ignored)."""

    papers: int  # distinct papers
    mappings: int
    explicit: int
    partial: int
    category: int  # mappings to a category rather than a leaf


@dataclass(frozen=True)
class CoverageData:
    """Everything one computation produced: rows in tree order plus the raw counts the summary needs.

    ``facts`` (one ``MappingFact`` per mapping, for the gap map and papers per year) is loaded on first use
    for live data (two queries): the rows and the summary are computed from grouped queries and never need it.
    """

    rows: list[FaultCoverage]
    tree: Tree
    unclassified: dict[str, int]
    totals: MappingTotals
    as_of: datetime.datetime | None = None
    preloaded_facts: list[MappingFact] | None = field(default=None, repr=False)
    cache_version: str | None = None  # the data version it was read from the cache under (None: computed afresh)

    def row(self, code: str) -> FaultCoverage:
        return self._by_code[code]

    @cached_property
    def facts(self) -> list[MappingFact]:
        if self.preloaded_facts is not None:
            return self.preloaded_facts
        if self.cache_version:
            # Cached apart from the rows: one fact per approved mapping is most of the computation's size (about
            # 3.5 of 4 MB pickled at scale 100), and only the gap map, papers per year and agreement read it.
            return coverage_cache.cached("facts", mapping_set, version=self.cache_version)
        return mapping_set(as_of=self.as_of)

    @cached_property
    def _by_code(self) -> dict[str, FaultCoverage]:
        return {row.code: row for row in self.rows}


@dataclass
class _MappingAggregate:
    """Per-fault aggregates of a mapping set: what the roll-up needs (paper identities are keys or ids)."""

    explicit: Counter[int] = field(default_factory=Counter)
    partial: Counter[int] = field(default_factory=Counter)
    papers: dict[int, set] = field(default_factory=lambda: defaultdict(set))
    methods: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))


def _aggregate_facts(facts: Iterable[MappingFact], tree: Tree) -> _MappingAggregate:
    agg = _MappingAggregate()
    for fact in facts:
        if fact.fault_id not in tree.by_id:
            continue
        (agg.explicit if fact.strength == Strength.EXPLICIT else agg.partial)[fact.fault_id] += 1
        agg.papers[fact.fault_id].add(fact.paper)
        agg.methods[fact.fault_id].update(fact.methods)
    return agg


def _aggregate_live(as_of: datetime.datetime | None, tree: Tree) -> _MappingAggregate:
    """The live mapping set aggregated per fault in two queries: (fault, paper id, strength) rows, and the distinct
    (fault, method code) pairs. Cheaper than loading one ``MappingFact`` per mapping with its paper key and methods.
    """
    agg = _MappingAggregate()
    by_id = tree.by_id
    explicit, partial, papers = agg.explicit, agg.partial, agg.papers
    rows = FaultMapping.objects.filter(_live_filter(as_of)).order_by().values_list("fault_id", "paper_id", "strength")
    for fault_id, paper_id, strength in rows:
        if fault_id in by_id:
            (explicit if strength == Strength.EXPLICIT else partial)[fault_id] += 1
            papers[fault_id].add(paper_id)
    pairs = (
        FaultMapping.methods.through.objects.filter(_live_filter(as_of, prefix="faultmapping__"))
        .order_by()
        .values_list("faultmapping__fault_id", "method__code")
        .distinct()
    )
    for fault_id, code in pairs:
        agg.methods[fault_id].add(code)
    return agg


def compute(
    *,
    as_of: datetime.datetime | None = None,
    snapshot: Snapshot | None = None,
    tree: Tree | None = None,
    use_cache: bool = True,
) -> CoverageData:
    """Coverage of every node, tree order. 6 queries whatever the data size (tree, 2 mapping set, 3 evidence).

    The live figures (no ``as_of``, ``snapshot`` or ``tree``) come from the cache keyed on the data version
    (``coverage/cache.py``) when caching is on: no query at all while nothing has changed. ``use_cache=False``
    always computes.
    """
    if use_cache and as_of is None and snapshot is None and tree is None and coverage_cache.enabled():
        version, data = coverage_cache.versioned("compute", _compute)
        return dataclasses.replace(data, cache_version=version) if version else data
    return _compute(as_of=as_of, snapshot=snapshot, tree=tree)


def _compute(
    *, as_of: datetime.datetime | None = None, snapshot: Snapshot | None = None, tree: Tree | None = None
) -> CoverageData:
    tree = tree or build_tree()
    facts = None
    if snapshot is not None:
        facts = mapping_set(snapshot=snapshot)
        agg = _aggregate_facts(facts, tree)
    else:
        agg = _aggregate_live(as_of, tree)
    evidence, unclassified = _evidence_by_fault()
    challenges = _challenges_by_fault()
    explicit, partial, papers, methods = agg.explicit, agg.partial, agg.papers, agg.methods

    # Post-order roll-up: children are computed before their parent.
    results: dict[int, FaultCoverage] = {}
    subtree_papers: dict[int, set] = {}
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
    all_papers: set = set()
    for root in tree.roots:
        all_papers |= subtree_papers[root.fault.pk]
    leaf_ids = {row.fault.pk for row in rows if row.is_leaf}
    totals = MappingTotals(
        papers=len(all_papers),
        mappings=sum(explicit.values()) + sum(partial.values()),
        explicit=sum(explicit.values()),
        partial=sum(partial.values()),
        category=sum(explicit[fid] + partial[fid] for fid in set(explicit) | set(partial) if fid not in leaf_ids),
    )
    return CoverageData(
        rows=rows, tree=tree, unclassified=unclassified, totals=totals, as_of=as_of, preloaded_facts=facts
    )


def fault_coverage(**kwargs) -> list[FaultCoverage]:
    """One row per fault, tree order (see ``compute``)."""
    return compute(**kwargs).rows
