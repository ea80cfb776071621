"""The coverage summary: leaf shares, practice-weighted shares, totals, and the survey's reported figures beside
the computed ones. ``summary_dict`` is the one machine-readable shape (``manage.py coverage --json``,
``GET /api/coverage/``, snapshots' stored figures, the snapshot diff).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from challenges.models import Challenge, Interview
from coverage import cache as coverage_cache
from coverage.coverage import CoverageData, Share, Status, as_float, compute, percent
from taxonomy.models import ReportedFigure


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
    """Totals and shares over a computation (computed afresh when ``data`` is not given). One query.

    The cached live computation's summary is cached under the same data version (no query).
    """
    data = data or compute(**kwargs)
    if data.cache_version:
        return coverage_cache.cached("summary", lambda: _summarise(data), version=data.cache_version)
    return _summarise(data)


def _summarise(data: CoverageData) -> CoverageSummary:
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

    totals = data.totals
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
        papers=totals.papers,
        mappings=totals.mappings,
        explicit_mappings=totals.explicit,
        partial_mappings=totals.partial,
        category_mappings=totals.category,
        challenges_confirmed=Challenge.objects.count_by_status()[Challenge.Status.CONFIRMED],
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
            "unaddressed_pct": as_float(p.unaddressed_pct),
        }

    leaves = summary.leaves
    return {
        "leaves": {
            "total": leaves.total,
            "addressed": leaves.addressed,
            "partial": leaves.partial,
            "unaddressed": leaves.unaddressed,
            "addressed_pct": as_float(leaves.addressed_pct),
            "partial_pct": as_float(leaves.partial_pct),
            "unaddressed_pct": as_float(leaves.unaddressed_pct),
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


def computed_share(summary: CoverageSummary, key: str) -> Share | None:
    """Numerator and denominator behind a computed percentage key (``leaves.addressed_pct``,
    ``github.unaddressed_pct``), so a page can show "27 / 103" beside "26.2%". None for any other key."""
    group, _, attr = key.partition(".")
    status = attr.removesuffix("_pct")
    if not attr.endswith("_pct") or status not in {s.value for s in Status}:
        return None
    target = getattr(summary, group, None)
    if isinstance(target, LeafShares):
        return target.share(Status(status))
    if isinstance(target, PracticeShares):
        return Share(getattr(target, status), target.classified)
    return None


@dataclass(frozen=True)
class ChallengeCatalogue:
    """How much of the survey's list of challenges the knowledge base catalogues ("7 of 13")."""

    confirmed: int  # challenges named by the survey and catalogued here
    candidates: int  # recurring themes from our coding, not the survey's
    reported: ReportedFigure | None  # the survey's own count of challenges, when stored
    interviews: int  # transcripts the encounter frequencies were coded from


def challenge_catalogue() -> ChallengeCatalogue:
    """Confirmed and candidate challenges beside the survey's reported count. Three queries."""
    counts = Challenge.objects.count_by_status()
    reported = ReportedFigure.objects.select_related("source").filter(computed_counterpart="challenges.confirmed")
    return ChallengeCatalogue(
        confirmed=counts[Challenge.Status.CONFIRMED],
        candidates=counts[Challenge.Status.CANDIDATE],
        reported=reported.first(),
        interviews=Interview.objects.count(),
    )
