"""Inter-coder agreement: how far two independent codings of the same paper agree, and what it matters.

A *pair* is two submitted codings of one paper in one sample (round 1 = the first coder, round 2 = the second).
Every figure carries its numerator and denominator and is computed for the whole set, per sample, per coder pair
and per top-level category (a mapping belongs to the top-level category above its fault):

* **fault-set agreement** = (paper, fault) pairs coded by both coders / (paper, fault) pairs coded by either;
* **strength agreement** = pairs both coded with the same strength / pairs both coded, and **Cohen's kappa**
  over the same pairs, two categories (explicit, partial): kappa = (p_o - p_e) / (1 - p_e), p_o the observed
  agreement, p_e = sum over the two strengths of (first coder's share) x (second coder's share). Kappa is
  undefined (``None``, with the reason) when no pair was coded by both or when p_e = 1 (both coders used one
  strength only): it is never computed by dividing by zero;
* **branch agreement** = matched mappings of both coders / all mappings of both coders, where a coder's
  mapping is matched when the other coder mapped the same paper to the same node, an ancestor or a descendant;
* **status dependence**: the leaves whose coverage status differs depending on which of the two codings of a
  paper is taken (that paper's approved mappings replaced by either coding, everything else as it stands).

Snapshots: a submitted coding is never edited and an adjudication is its own row with its time, so the
agreement of a snapshot is computed from the codings submitted by its freezing time, the adjudications decided
by then, and its frozen mapping set (for the status dependence). Query cost is fixed: tree, codings (3),
adjudications, mapping set (2).
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import TYPE_CHECKING

from django.db.models import QuerySet

from coverage import cache as coverage_cache
from coverage.coverage import CoverageData, MappingFact, Share, Status, leaf_status, mapping_set
from coverage.models import Snapshot
from papers.models import Adjudication, CodedMapping, Coding
from taxonomy.models import Fault, Strength
from taxonomy.tree import Tree, build_tree

if TYPE_CHECKING:
    from coverage.live import LiveCoverage

STRENGTHS = (Strength.EXPLICIT.value, Strength.PARTIAL.value)


@dataclass(frozen=True)
class CodedFault:
    """One fault of a pair: how each coder coded it (None: not coded) and whether each side is branch-matched."""

    fault: Fault
    category: Fault  # the top-level category above the fault (the fault itself at the top)
    first: str | None
    second: str | None
    first_matched: bool  # the first coder's mapping has a same-branch mapping in the second coding
    second_matched: bool
    first_mapping: CodedMapping | None = None
    second_mapping: CodedMapping | None = None

    @property
    def agrees(self) -> bool:
        return self.first == self.second


@dataclass(frozen=True)
class CodingPair:
    """Two independent codings of one paper in one sample, fault by fault."""

    first: Coding
    second: Coding
    faults: tuple[CodedFault, ...]
    adjudicated: bool

    @property
    def paper(self):
        return self.first.paper

    @property
    def sample(self) -> str:
        return self.first.sample

    @property
    def coders(self) -> str:
        return f"{self.first.coder} × {self.second.coder}"

    @property
    def disagrees(self) -> bool:
        return any(not f.agrees for f in self.faults)


@dataclass(frozen=True)
class Kappa:
    """Cohen's kappa of the strengths of the pairs both coders coded, with its parts."""

    n: int
    observed: Fraction | None  # p_o
    expected: Fraction | None  # p_e from each coder's own marginals
    undefined: str  # why kappa is undefined ("" when it is defined)

    @property
    def value(self) -> Fraction | None:
        if self.undefined:
            return None
        return (self.observed - self.expected) / (1 - self.expected)

    @property
    def rounded(self) -> Decimal | None:
        """Kappa rounded half-up to three decimals (None when undefined)."""
        value = self.value
        if value is None:
            return None
        return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
            Decimal("0.001"), rounding=ROUND_HALF_UP
        )


def cohen_kappa(confusion: Counter) -> Kappa:
    """Kappa of a 2x2 table ``{(first strength, second strength): count}`` over explicit / partial."""
    n = sum(confusion.values())
    if not n:
        return Kappa(0, None, None, "no (paper, fault) pair was coded by both coders")
    observed = Fraction(sum(confusion[(s, s)] for s in STRENGTHS), n)
    expected = sum(
        (
            Fraction(sum(confusion[(s, t)] for t in STRENGTHS), n)
            * Fraction(sum(confusion[(t, s)] for t in STRENGTHS), n)
            for s in STRENGTHS
        ),
        Fraction(0),
    )
    if expected == 1:
        return Kappa(n, observed, expected, "p_e = 1: both coders gave every shared pair the same single strength")
    return Kappa(n, observed, expected, "")


@dataclass(frozen=True)
class AgreementFigures:
    """The three agreement figures over a set of pairs (the whole set, a sample, a coder pair or a category)."""

    label: str
    papers: int
    fault_set: Share  # coded by both / coded by either
    strength: Share  # same strength / coded by both
    confusion: Counter  # (first strength, second strength) -> pairs coded by both
    kappa: Kappa
    branch: Share  # matched mappings of both coders / all mappings of both coders

    def confusion_rows(self) -> list[tuple[str, list[int], int]]:
        """The confusion table: (first coder's strength, counts per second coder's strength, row total)."""
        rows = []
        for s in STRENGTHS:
            counts = [self.confusion[(s, t)] for t in STRENGTHS]
            rows.append((s, counts, sum(counts)))
        return rows

    def column_totals(self) -> list[int]:
        return [sum(self.confusion[(s, t)] for s in STRENGTHS) for t in STRENGTHS]


def figures(label: str, faults_by_pair: Iterable[tuple[CodingPair, Iterable[CodedFault]]]) -> AgreementFigures:
    """The agreement figures of the given pairs, each restricted to the given faults."""
    papers = both = either = same = matched = mappings = 0
    confusion: Counter = Counter()
    for _pair, faults in faults_by_pair:
        papers += 1
        for f in faults:
            either += 1
            if f.first and f.second:
                both += 1
                same += f.first == f.second
                confusion[(f.first, f.second)] += 1
            mappings += (f.first is not None) + (f.second is not None)
            matched += f.first_matched + f.second_matched
    return AgreementFigures(
        label,
        papers,
        Share(both, either),
        Share(same, both),
        confusion,
        cohen_kappa(confusion),
        Share(matched, mappings),
    )


@dataclass(frozen=True)
class LeafDependence:
    """A leaf whose coverage status depends on which coding of a paper is taken."""

    fault: Fault
    pair: CodingPair
    status_first: Status
    status_second: Status

    @property
    def pending(self) -> bool:
        return not self.pair.adjudicated


@dataclass(frozen=True)
class AgreementReport:
    pairs: list[CodingPair]
    overall: AgreementFigures
    by_sample: list[AgreementFigures]
    by_coders: list[AgreementFigures]
    by_category: list[AgreementFigures]
    dependences: list[LeafDependence]
    snapshot: Snapshot | None

    @property
    def disagreements(self) -> list[CodingPair]:
        return [pair for pair in self.pairs if pair.disagrees]

    @property
    def pending_leaves(self) -> dict[int, list[LeafDependence]]:
        """Leaf id -> the dependences on a pending adjudication (what the explorer and fault pages mark)."""
        pending: dict[int, list[LeafDependence]] = defaultdict(list)
        for dependence in self.dependences:
            if dependence.pending:
                pending[dependence.fault.pk].append(dependence)
        return dict(pending)


def _branch_matched(fault_id: int, others: Iterable[int], tree: Tree) -> bool:
    node = tree.by_id[fault_id]
    line = {n.fault.pk for n in node.ancestors} | set(node.descendant_ids())
    return any(other in line for other in others)


def _pair(first: Coding, second: Coding, tree: Tree, adjudicated: bool) -> CodingPair:
    mappings_a = {m.fault_id: m for m in first.mappings.all()}
    mappings_b = {m.fault_id: m for m in second.mappings.all()}
    a = {pk: m.strength for pk, m in mappings_a.items()}
    b = {pk: m.strength for pk, m in mappings_b.items()}
    faults = []
    for fault_id in sorted(a.keys() | b.keys(), key=lambda pk: tree.by_id[pk].fault.position):
        node = tree.by_id[fault_id]
        top = node.ancestors[0] if node.ancestors else node
        faults.append(
            CodedFault(
                fault=node.fault,
                category=top.fault,
                first=a.get(fault_id),
                second=b.get(fault_id),
                first_matched=fault_id in a and _branch_matched(fault_id, b, tree),
                second_matched=fault_id in b and _branch_matched(fault_id, a, tree),
                first_mapping=mappings_a.get(fault_id),
                second_mapping=mappings_b.get(fault_id),
            )
        )
    return CodingPair(first, second, tuple(faults), adjudicated)


def coding_pairs(
    codings: QuerySet[Coding], *, snapshot: Snapshot | None = None, tree: Tree | None = None
) -> list[CodingPair]:
    """Pairs of visible codings (live, or as they stood when ``snapshot`` was frozen).

    4 queries with codings (codings, their mappings and methods, adjudications), 1 without; plus the tree if
    not given.
    """
    codings = codings.for_list()
    adjudications = Adjudication.objects.all()
    if snapshot is not None:
        codings = codings.filter(submitted_at__lte=snapshot.created_at)
        adjudications = adjudications.filter(decided_at__lte=snapshot.created_at)
    groups: dict[tuple[int, str], list[Coding]] = defaultdict(list)
    for coding in codings:
        groups[(coding.paper_id, coding.sample)].append(coding)
    if not groups:
        return []
    tree = tree or build_tree()
    decided = set(adjudications.values_list("paper_id", "sample"))
    pairs = []
    for key, group in groups.items():
        group.sort(key=lambda c: c.round)
        # Two coders per paper and sample in practice; a third coding would pair with each earlier one.
        for i, first in enumerate(group):
            for second in group[i + 1 :]:
                pairs.append(_pair(first, second, tree, key in decided))
    return sorted(pairs, key=lambda p: (p.sample, p.paper.key, p.first.round, p.second.round))


def status_dependences(
    pairs: list[CodingPair], snapshot: Snapshot | None, facts: list[MappingFact] | None = None
) -> list[LeafDependence]:
    """The leaves whose status differs between the two codings of a pair (2 queries for the mappings on the pairs'
    leaves, none when there is no pair or ``facts`` is given)."""
    if not pairs:
        return []
    if facts is None:
        facts = mapping_set(snapshot=snapshot, fault_ids={f.fault.pk for pair in pairs for f in pair.faults})
    totals: dict[int, Counter] = defaultdict(Counter)
    own: dict[tuple[str, int], Counter] = defaultdict(Counter)
    for fact in facts:
        totals[fact.fault_id][fact.strength] += 1
        own[(fact.paper, fact.fault_id)][fact.strength] += 1
    found = []
    for pair in pairs:
        for f in pair.faults:
            if not f.fault.is_leaf:
                continue
            without = totals[f.fault.pk] - own[(pair.paper.key, f.fault.pk)]
            statuses = []
            for strength in (f.first, f.second):
                counts = without + Counter({strength: 1}) if strength else without
                statuses.append(leaf_status(counts[Strength.EXPLICIT], counts[Strength.PARTIAL]))
            if statuses[0] != statuses[1]:
                found.append(LeafDependence(f.fault, pair, statuses[0], statuses[1]))
    return found


def agreement(
    codings: QuerySet[Coding] | None = None,
    *,
    snapshot: Snapshot | None = None,
    category: Fault | None = None,
    adjudication: str = "",
    data: CoverageData | None = None,
) -> AgreementReport:
    """Every agreement figure for the given codings (default: all), live or as of ``snapshot``.

    ``category`` (a top-level category) restricts every figure to mappings under it; ``adjudication``
    ("pending" or "done") keeps the pairs in that state (at the snapshot's time for a snapshot). ``data``,
    the live coverage already computed, saves loading the tree again. 7 queries whatever the data size;
    1 without codings.
    """
    tree = data.tree if data is not None else None
    pairs = coding_pairs(codings if codings is not None else Coding.objects.all(), snapshot=snapshot, tree=tree)
    if adjudication:
        pairs = [p for p in pairs if p.adjudicated == (adjudication == "done")]
    if category is not None:
        pairs = [
            CodingPair(p.first, p.second, tuple(f for f in p.faults if f.category.pk == category.pk), p.adjudicated)
            for p in pairs
        ]
        pairs = [p for p in pairs if p.faults]

    def group(key) -> list[AgreementFigures]:
        groups: dict[str, list] = defaultdict(list)
        for pair in pairs:
            groups[key(pair)].append((pair, pair.faults))
        return [figures(label, groups[label]) for label in sorted(groups)]

    by_category: dict[int, list] = defaultdict(list)
    roots: dict[int, Fault] = {}
    for pair in pairs:
        per_top: dict[int, list[CodedFault]] = defaultdict(list)
        for f in pair.faults:
            per_top[f.category.pk].append(f)
            roots[f.category.pk] = f.category
        for top_id, faults in per_top.items():
            by_category[top_id].append((pair, faults))
    roots = sorted(roots.values(), key=lambda fault: fault.position)
    return AgreementReport(
        pairs=pairs,
        overall=figures("All double-coded papers", [(p, p.faults) for p in pairs]),
        by_sample=group(lambda p: p.sample),
        by_coders=group(lambda p: p.coders),
        by_category=[figures(f"{root.code} {root.name}", by_category[root.pk]) for root in roots],
        dependences=status_dependences(pairs, snapshot, data.facts if data is not None and pairs else None),
        snapshot=snapshot,
    )


def filtered_agreement(filterset, *, blind: bool) -> AgreementReport:
    """``agreement()`` of a validated ``AgreementFilterSet`` (the page's and ``/api/agreement/``'s): the same for
    everyone but a blind coder until the data changes, so stored per data version and filter values (about 55 ms
    to compute at scale 100, mostly the tree). A blind coder's (their paper's codings left out) is computed."""
    options = filterset.engine_options() if filterset.is_bound else {}

    def build() -> AgreementReport:
        return agreement(filterset.qs, **options)

    if blind:
        return build()
    values = filterset.form.cleaned_data if filterset.is_bound else {}
    chosen = sorted((name, str(value)) for name, value in values.items() if value not in (None, "", [], ()))
    key = hashlib.sha256(repr(chosen).encode()).hexdigest()[:32]
    return coverage_cache.cached(f"agreement-report:{key}", build)


def pending_adjudication_leaves(live: LiveCoverage) -> dict[int, list[LeafDependence]]:
    """Leaf id -> how its live status depends on a pending adjudication (the explorer's and fault page's marks).

    ``live`` is the live coverage the page shows (its whole computation is read only to build the marks). 1 query
    without codings, 4 with; none while the data has not changed when the coverage cache is on.
    """

    def build() -> dict[int, list[LeafDependence]]:
        return agreement(adjudication="pending", data=live.data).pending_leaves

    return coverage_cache.cached("agreement-pending", build) if coverage_cache.enabled() else build()


def paper_agreement(paper) -> list[tuple[CodingPair, AgreementFigures]]:
    """The paper's double codings, each with its own figures. 1 query when it has none, 5 otherwise."""
    pairs = coding_pairs(Coding.objects.filter(paper=paper))
    return [(pair, figures(pair.coders, [(pair, pair.faults)])) for pair in pairs]
