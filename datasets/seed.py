"""Seed releases: the shipped fixtures are upstream data that a living knowledge base takes without losing curation.

``fixtures/seed-release.json`` (written by ``build_fixtures``) names the shipped release, the release dates and the
seeded fixture files, in load order. Every object of those files belongs to a release: its top-level
``"seed_release"`` (1 when absent). The files stay ordinary Django fixtures (``loaddata`` ignores that key).

**Which files are seeded** is the ``fixtures`` list of the manifest, i.e. the keys of
``datasets.fixture_builder.build_all``: to seed another file, add its builder there (objects with natural keys, after
the objects they refer to) and rebuild the fixtures. Every model in a seeded file needs a stable identity
(``datasets.dataset.identity_fields``).

``upgrade()`` brings the database to the shipped release one release at a time:

* an empty database gets each release in turn (release 1, freeze snapshot ``seed``; release 2, ``seed-2``; ...);
* a database loaded before releases were recorded (``loaddata`` of release 1) is *adopted* as release 1: the
  shipped release-1 records become the base of the merge, nothing is written to its rows;
* every further release is merged (``datasets.seed_merge``): new records added, records nobody changed here
  updated, local curation kept and every conflict reported. One transaction; history entries carry the change
  reason "seed release N"; the coverage cache is bumped; snapshot ``seed-N`` is frozen.

Running it again when the database is at the shipped release changes nothing.
"""

from __future__ import annotations

import datetime
import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.serializers.base import DeserializationError
from django.db import IntegrityError, transaction

from coverage import snapshots
from coverage.cache import bump_data_version
from coverage.models import Snapshot
from datasets.models import SeedRecord, SeedRelease
from datasets.seed_merge import Plan, fixture_key, plan_release

MANIFEST = "seed-release.json"


class SeedError(Exception):
    """The shipped seed cannot be applied (no manifest, or the database is at a newer release)."""


@dataclass(frozen=True)
class Shipped:
    """The seed in a fixture folder: its release number, release dates, and every object (load order)."""

    release: int
    released_on: dict[int, datetime.date]
    fixtures: list[str]
    objects: list[dict]

    def up_to(self, release: int) -> list[dict]:
        return [obj for obj in self.objects if obj.get("seed_release", 1) <= release]


def read_shipped(fixture_dir: Path | None = None) -> Shipped:
    folder = Path(fixture_dir or settings.FIXTURE_DIRS[0])
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except OSError as exc:
        raise SeedError(f"No seed manifest {folder / MANIFEST}: rebuild the fixtures (build_fixtures).") from exc
    objects = []
    for name in manifest["fixtures"]:
        objects += json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
    return Shipped(
        release=int(manifest["release"]),
        released_on={int(n): datetime.date.fromisoformat(d) for n, d in manifest["released_on"].items()},
        fixtures=list(manifest["fixtures"]),
        objects=objects,
    )


def snapshot_name(release: int) -> str:
    return snapshots.SEED_SNAPSHOT if release == 1 else f"{snapshots.SEED_SNAPSHOT}-{release}"


@dataclass
class Step:
    release: int
    adopted: bool
    plan: Plan
    added: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    snapshot: str = ""


@dataclass
class Report:
    before: int | None
    shipped: int
    steps: list[Step] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(step.adopted or step.plan.changes or step.plan.rebase for step in self.steps)

    @property
    def conflicts(self) -> list[dict]:
        return [c for step in self.steps for c in step.plan.conflicts]


def _holds_data(shipped: Shipped) -> bool:
    labels = dict.fromkeys(obj["model"] for obj in shipped.objects)
    return any(apps.get_model(label)._default_manager.exists() for label in labels)


def upgrade(fixture_dir: Path | None = None, *, dry_run: bool = False) -> Report:
    """Bring the database to the shipped seed release (see the module docstring). ``dry_run`` rolls back."""
    shipped = read_shipped(fixture_dir)
    with transaction.atomic():
        latest = current_release()
        before = latest.number if latest else None
        if before is not None and before > shipped.release:
            raise SeedError(f"The database is at seed release {before}; these fixtures are release {shipped.release}.")
        report = Report(before, shipped.release)
        current = before
        if current is None and _holds_data(shipped):
            report.steps.append(_adopt(shipped, 1))
            current = 1
        for release in range((current or 0) + 1, shipped.release + 1):
            report.steps.append(_apply(shipped, release, new_release=True))
        if current == shipped.release:
            step = _apply(shipped, shipped.release, new_release=False)
            if not step.plan.empty:
                report.steps.append(step)
        if report.changed:
            bump_data_version()
        if dry_run:
            transaction.set_rollback(True)
    return report


def _adopt(shipped: Shipped, release: int) -> Step:
    """Record the shipped records of ``release`` as the base of rows loaded before releases were recorded."""
    objects = shipped.up_to(release)
    _record(objects, release)
    SeedRelease.objects.create(number=release, released_on=shipped.released_on.get(release), adopted=True)
    return Step(release, adopted=True, plan=Plan(release))


def _apply(shipped: Shipped, release: int, *, new_release: bool) -> Step:
    plan = plan_release(release, shipped.up_to(release))
    step = Step(release, adopted=False, plan=plan)
    reason = f"seed release {release}"
    added = defaultdict(list)
    deferred = []
    clashing = []
    for obj in plan.add:
        try:
            with transaction.atomic():
                restored = next(serializers.deserialize("python", [_fixture_form(obj)], handle_forward_references=True))
                restored.save()  # a raw save, as loaddata does: the fixture's timestamps are kept
        except (IntegrityError, DeserializationError) as exc:
            # A local row holds its identity elsewhere (e.g. a researcher submitted the paper with its DOI first), or
            # it refers to such a record: leave it to a curator, ask again next time.
            clashing.append(obj)
            plan.conflicts.append(_not_added(obj, exc))
            continue
        if restored.deferred_fields:
            deferred.append(restored)
        added[type(restored.object)].append(restored.object)
    plan.add = [obj for obj in plan.add if obj not in clashing]
    for restored in deferred:
        restored.save_deferred_fields()
    for model, objs in added.items():
        step.added[model._meta.label_lower] = len(objs)
        if hasattr(model, "history"):  # raw saves write no history entry: write them, with the release as reason
            model.history.bulk_history_create(objs, default_change_reason=reason)
    for obj, local, names in plan.update:
        restored = next(serializers.deserialize("python", [_fixture_form(obj)]))
        many = []
        for name in names:
            f = local._meta.get_field(name)
            if f.many_to_many:
                many.append(name)
            else:
                setattr(local, f.attname, getattr(restored.object, f.attname))
        local._change_reason = reason
        local.save()
        for name in many:
            getattr(local, name).set(restored.m2m_data[name])
        label = local._meta.label_lower
        step.updated[label] = step.updated.get(label, 0) + 1
    _record(plan.add + [obj for obj, _, _ in plan.update] + plan.rebase, release)
    if new_release:
        SeedRelease.objects.create(
            number=release,
            released_on=shipped.released_on.get(release),
            added=len(plan.add),
            updated=len(plan.update),
            conflicts=plan.conflicts,
        )
        name = snapshot_name(release)
        if not Snapshot.objects.filter(name=name).exists():
            snapshots.freeze(name, description=f"The data at seed release {release}", created_by="seed upgrade")
            step.snapshot = name
    else:
        row = SeedRelease.objects.get(number=release)
        new_conflicts = [c for c in plan.conflicts if c not in row.conflicts]
        if plan.changes or new_conflicts:
            row.added += len(plan.add)
            row.updated += len(plan.update)
            row.conflicts = row.conflicts + new_conflicts
            row.save()
    return step


def _not_added(obj: dict, exc: Exception) -> dict:
    key = fixture_key(apps.get_model(obj["model"]), obj["fields"])
    first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
    return {
        "model": obj["model"],
        "key": key,
        "field": "(new record)",
        "upstream": "not added",
        "local": f"a local row stands in its way: {first_line}",
    }


def _fixture_form(obj: dict) -> dict:
    return {"model": obj["model"], "fields": obj["fields"]}


def _record(objects: list[dict], release: int) -> None:
    """Store ``objects`` as the seeded version (merge base) of their rows."""
    existing = {(r.model, r.key): r for r in SeedRecord.objects.all()}
    new, changed = [], []
    for obj in objects:
        key = fixture_key(apps.get_model(obj["model"]), obj["fields"])
        record = existing.get((obj["model"], key))
        if record is None:
            new.append(SeedRecord(model=obj["model"], key=key, release=release, fields=obj["fields"]))
        else:
            record.release, record.fields = release, obj["fields"]
            changed.append(record)
    SeedRecord.objects.bulk_create(new, batch_size=500)
    SeedRecord.objects.bulk_update(changed, ["release", "fields"], batch_size=500)


def current_release() -> SeedRelease | None:
    """The newest seed release applied to this database (None when none was recorded): one query."""
    return SeedRelease.objects.order_by("-number").first()


def releases() -> list[SeedRelease]:
    """Every seed release applied to this database, oldest first: one query."""
    return list(SeedRelease.objects.order_by("number"))


def recorded_conflicts() -> list[dict]:
    """The conflicts the upgrade to the current release left for a curator (local values kept)."""
    latest = current_release()
    return latest.conflicts if latest else []
