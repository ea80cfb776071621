"""Frozen snapshots of the approved mapping set, and what changed between two states.

A snapshot stores the mapping set (fault, strength, methods, paper) and the figures computed from it at
freezing time. Its figures can be recomputed from the stored set at any time and must equal the stored ones.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from django.db import transaction

from coverage import cache as coverage_cache
from coverage import coverage, summaries
from coverage.models import Snapshot, SnapshotEntry
from papers.models import FaultMapping
from taxonomy.models import ReviewStatus
from taxonomy.tree import build_tree

SEED_SNAPSHOT = "seed"
LIVE = "live"  # names the current data wherever a snapshot name is expected (diff, pages, API)


def _live_entries() -> list[dict]:
    approved = FaultMapping.objects.filter(status=ReviewStatus.APPROVED)
    rows = list(approved.order_by("pk").values("pk", "uid", "fault_id", "strength", "paper__key", "paper__title"))
    methods = {}
    # A subquery rather than a list of ids: PostgreSQL accepts at most 65,535 bound parameters.
    for mapping_id, code in (
        FaultMapping.methods.through.objects.filter(faultmapping__in=approved.values("pk"))
        .order_by("method__position")
        .values_list("faultmapping_id", "method__code")
    ):
        methods.setdefault(mapping_id, []).append(code)
    return [
        {
            "mapping_uid": r["uid"],
            "fault_id": r["fault_id"],
            "strength": r["strength"],
            "paper_key": r["paper__key"],
            "paper_title": r["paper__title"][:500],
            "methods": methods.get(r["pk"], []),
        }
        for r in rows
    ]


def figures_for(snapshot: Snapshot | None = None) -> dict:
    """Coverage figures of a snapshot's frozen mapping set (or of the live set when None)."""
    data = coverage.compute(snapshot=snapshot)
    summary = summaries.coverage_summary(data)
    return summaries.summary_dict(summary)


@transaction.atomic
def freeze(name: str, *, description: str = "", created_by: str = "") -> Snapshot:
    """Freeze the live approved mapping set as a new snapshot named ``name`` and store its figures."""
    snapshot = Snapshot.objects.create(name=name, description=description, created_by=created_by)
    SnapshotEntry.objects.bulk_create(
        [SnapshotEntry(snapshot=snapshot, **entry) for entry in _live_entries()], batch_size=1000
    )
    snapshot.figures = figures_for(snapshot)
    snapshot.save(update_fields=["figures"])
    return snapshot


def verify(snapshot: Snapshot) -> bool:
    """True when the figures recomputed from the snapshot's mapping set equal the stored ones."""
    return figures_for(snapshot) == snapshot.figures


#
# Diff
#


@dataclass(frozen=True)
class StatusChange:
    code: str
    name: str
    before: str | None
    after: str | None


@dataclass(frozen=True)
class MappingChange:
    mapping_uid: str
    paper_key: str
    fault_code: str
    strength: str


@dataclass(frozen=True)
class FigureChange:
    key: str
    before: float | int | None
    after: float | int | None


@dataclass(frozen=True)
class SnapshotDiff:
    before: str
    after: str
    status_changes: list[StatusChange]
    added: list[MappingChange]
    removed: list[MappingChange]
    figures: list[FigureChange]


def _flatten(figures: dict, prefix: str = "") -> dict[str, float | int | None]:
    flat = {}
    for key, value in figures.items():
        if key == "reported":
            continue
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def diff(before: Snapshot | None, after: Snapshot | None) -> SnapshotDiff:
    """What changed from ``before`` to ``after`` (None means the live state)."""
    tree = build_tree()
    data_before = coverage.compute(snapshot=before, tree=tree)
    data_after = coverage.compute(snapshot=after, tree=tree)
    status_changes = [
        StatusChange(a.code, a.fault.name, b.status and b.status.value, a.status and a.status.value)
        for b, a in zip(data_before.rows, data_after.rows, strict=True)
        if b.status != a.status
    ]

    def entries(snapshot: Snapshot | None) -> dict[str, MappingChange]:
        rows = (
            [
                {
                    "mapping_uid": e.mapping_uid,
                    "paper_key": e.paper_key,
                    "fault_id": e.fault_id,
                    "strength": e.strength,
                }
                for e in snapshot.entries.all()
            ]
            if snapshot is not None
            else _live_entries()
        )
        return {
            str(r["mapping_uid"]): MappingChange(
                str(r["mapping_uid"]), r["paper_key"], tree.by_id[r["fault_id"]].fault.code, r["strength"]
            )
            for r in rows
            if r["fault_id"] in tree.by_id
        }

    old, new = entries(before), entries(after)
    flat_before = _flatten(
        before.figures if before else summaries.summary_dict(summaries.coverage_summary(data_before))
    )
    flat_after = _flatten(after.figures if after else summaries.summary_dict(summaries.coverage_summary(data_after)))
    figures = [
        FigureChange(key, flat_before.get(key), flat_after.get(key))
        for key in sorted(set(flat_before) | set(flat_after))
        if flat_before.get(key) != flat_after.get(key)
    ]
    return SnapshotDiff(
        before=before.name if before else LIVE,
        after=after.name if after else LIVE,
        status_changes=status_changes,
        added=sorted((new[k] for k in new.keys() - old.keys()), key=lambda m: (m.fault_code, m.paper_key)),
        removed=sorted((old[k] for k in old.keys() - new.keys()), key=lambda m: (m.fault_code, m.paper_key)),
        figures=figures,
    )


@dataclass(frozen=True)
class DiffPage:
    """A diff as a page shows it: every status and figure change, the first ``limit`` added and removed mappings."""

    diff: SnapshotDiff  # its ``added`` and ``removed`` cut to the first ``limit``
    added_total: int
    removed_total: int


def without_papers(result: SnapshotDiff, keys: frozenset[str]) -> SnapshotDiff:
    """``result`` without the added and removed mappings of the papers ``keys`` (a blind coder's, papers.blind)."""
    if not keys:
        return result
    return dataclasses.replace(
        result,
        added=[m for m in result.added if m.paper_key not in keys],
        removed=[m for m in result.removed if m.paper_key not in keys],
    )


def diff_page(
    before: Snapshot | None, after: Snapshot | None, limit: int, *, hidden_papers: frozenset[str] = frozenset()
) -> DiffPage:
    """``diff(before, after)`` with its mapping lists cut to ``limit``, cached per data version (a frozen snapshot never
    changes; the live side is what the data version follows). Seed vs live at scale 100 adds ~50,000 mappings and
    computes the live coverage afresh: seconds, once per version, instead of on every request. Without the mappings
    of ``hidden_papers`` (keys; a blind coder's page, computed for them and never cached)."""

    def build() -> DiffPage:
        result = without_papers(diff(before, after), hidden_papers)
        capped = dataclasses.replace(result, added=result.added[:limit], removed=result.removed[:limit])
        return DiffPage(capped, len(result.added), len(result.removed))

    if hidden_papers:
        return build()

    def side(snapshot: Snapshot | None) -> str:
        return f"{snapshot.pk}-{snapshot.created_at.timestamp()}" if snapshot is not None else LIVE

    return coverage_cache.cached(f"snapshot-diff:{side(before)}:{side(after)}:{limit}", build)
