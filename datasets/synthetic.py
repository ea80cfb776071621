"""Synthetic benchmark data: a large, skewed, deterministic knowledge base beside the real one.

``generate(scale=N, seed=S)`` adds, per unit of scale, 100 papers, 500 mappings and 10,000 practitioner
records (4,000 GitHub artefacts, 2,000 StackOverflow posts, 4,000 interview mentions) on a synthetic taxonomy of
about 1,000 faults. Evidence and research attention follow Zipf-like laws over the leaves (a few faults hold
most of the evidence), on different but correlated orders, so demand gaps exist as they do in real data.

Everything synthetic is marked and kept apart from the real data, so ``clear()`` can remove exactly it:

* faults, papers: ``source`` is the reserved ``synthetic`` Source (the domain models' ``origin`` choices know
  nothing of benchmark data, so ``origin`` is left empty); fault codes start ``S-``, paper keys ``s-paper-``;
* methods: codes start ``S-M-``;
* artefacts and interviews: ``dataset`` is the ``synthetic`` Source; interview numbers start at 20000;
* mappings and mentions: reached through a synthetic paper or interview.

The same seed produces the same rows (``fingerprint()`` hashes them independently of primary keys). Rows go
in with PostgreSQL's COPY (``bulk_create`` in batches elsewhere); no model signal fires during the load, so the
coverage data version is bumped once at the end.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence

from django.db import connection, transaction
from django.db.models import Model

from challenges.models import Artifact, Interview, InterviewMention
from coverage.cache import bump_data_version
from coverage.models import SnapshotEntry
from datasets.synthetic_plan import (
    _METHODS,
    BASE_TIME,
    DEFAULT_FAULTS,
    METHOD_PREFIX,
    POSITION_BASE,
    SOURCE_KEY,
    Counts,
    Plan,
    plan,
)
from papers.models import FaultMapping, Paper, normalise_title
from taxonomy.models import Fault, Method, ReviewStatus, Source


def is_present() -> bool:
    return Source.objects.filter(key=SOURCE_KEY).exists()


#
# Loading
#


def _copy_rows(model: type[Model], columns: Sequence[str], rows: Iterable[Sequence], progress: Callable) -> None:
    """Insert ``rows`` (values for ``columns``) into ``model``'s table: COPY on PostgreSQL, bulk_create elsewhere."""
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(model._meta.db_table)
        cols = ", ".join(connection.ops.quote_name(c) for c in columns)
        with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
            n = 0
            for row in rows:
                copy.write_row(row)
                n += 1
                if n == 10000:
                    progress(n)
                    n = 0
            progress(n)
        return
    attnames = {f.column: f.attname for f in model._meta.concrete_fields}
    batch: list[Model] = []
    for row in rows:
        batch.append(model(**{attnames[c]: v for c, v in zip(columns, row, strict=True)}))
        if len(batch) == 2000:
            model.objects.bulk_create(batch)
            progress(len(batch))
            batch = []
    if batch:
        model.objects.bulk_create(batch)
        progress(len(batch))


def _json(value) -> str | object:
    # COPY takes JSON as text; bulk_create wants the Python value.
    return json.dumps(value) if connection.vendor == "postgresql" else value


@transaction.atomic
def load(p: Plan, progress: Callable[[int], None] = lambda n: None) -> Counts:
    """Write a plan into the database (which must hold no synthetic rows yet). Returns the counts written."""
    if is_present():
        raise ValueError("synthetic data is already loaded; clear it first (generate_synthetic --clear)")
    source = Source.objects.create(
        key=SOURCE_KEY,
        title="Synthetic benchmark data (generate_synthetic)",
        note="Generated for load tests; not real data. Remove with `manage.py generate_synthetic --clear`.",
    )

    # Methods and faults: small, parents first, through the ORM (ids come back).
    methods = {}
    position = POSITION_BASE
    for code, (name, kids) in _METHODS.items():
        top = Method.objects.create(code=code, name=name, position=position)
        methods[code] = top
        for kid in kids:
            position += 1
            methods[kid] = Method.objects.create(code=kid, name=f"{kid} (synthetic)", parent=top, position=position)
        position += 1
    progress(len(methods))

    fault_ids: dict[str, int] = {}
    depth_of: dict[str, int] = {}
    for row in p.faults:
        depth_of[row.code] = 0 if row.parent is None else depth_of[row.parent] + 1
    for depth in sorted(set(depth_of.values())):
        level = [
            Fault(
                code=row.code,
                slug=row.code.lower().replace(".", "-"),
                name=row.name,
                definition="Synthetic fault for load tests.",
                parent_id=fault_ids.get(row.parent) if row.parent else None,
                kind=row.kind,
                origin="",
                source=source,
                position=row.position,
                provenance="generate_synthetic",
            )
            for row in p.faults
            if depth_of[row.code] == depth
        ]
        for fault in Fault.objects.bulk_create(level, batch_size=1000):
            fault_ids[fault.code] = fault.pk
        progress(len(level))

    created = BASE_TIME
    _copy_rows(
        Paper,
        [
            "key",
            "title",
            "title_normalised",
            "authors",
            "authors_complete",
            "year",
            "venue",
            "url",
            "abstract_source_url",
            "abstract_read",
            "origin",
            "source_id",
            "evidence_note",
            "quote",
            "quote_locator",
            "phases",
            "targets",
            "status",
            "created_at",
            "updated_at",
        ],
        (
            (
                paper["key"],
                paper["title"],
                normalise_title(paper["title"]),
                _json(paper["authors"]),
                True,
                paper["year"],
                paper["venue"],
                "",
                "",
                False,
                "",
                source.pk,
                "",
                "",
                "",
                _json(["detection"]),
                _json([]),
                ReviewStatus.APPROVED,
                created,
                created,
            )
            for paper in p.papers
        ),
        progress,
    )
    paper_ids = dict(Paper.objects.filter(source=source).values_list("key", "pk"))
    method_ids = {code: method.pk for code, method in methods.items()}
    paper_methods = Paper.methods.through
    _copy_rows(
        paper_methods,
        ["paper_id", "method_id"],
        ((paper_ids[paper["key"]], method_ids[code]) for paper in p.papers for code in paper["methods"]),
        lambda n: None,
    )

    _copy_rows(
        FaultMapping,
        [
            "uid",
            "paper_id",
            "fault_id",
            *FaultMapping.CURATED_FIELDS,  # the values below are in this order
            "status",
            "curated_by",
            "approved_at",
            "created_at",
            "updated_at",
        ],
        (
            (
                m["uid"],
                paper_ids[m["paper"]],
                fault_ids[m["fault"]],
                m["strength"],
                _json(["detection"]),
                _json([]),
                m["rationale"],
                FaultMapping.EvidenceKind.ABSTRACT,
                "",
                "",
                "",
                m["status"],
                "generate_synthetic",
                m["approved_at"],
                created,
                created,
            )
            for m in p.mappings
        ),
        progress,
    )
    mapping_ids = dict(FaultMapping.objects.filter(paper__source=source).values_list("uid", "pk"))
    _copy_rows(
        FaultMapping.methods.through,
        ["faultmapping_id", "method_id"],
        ((mapping_ids[m["uid"]], method_ids[code]) for m in p.mappings for code in m["methods"]),
        lambda n: None,
    )

    def fid(code: str | None) -> int | None:
        return fault_ids[code] if code else None

    artifact_columns = [
        "url",
        "source",
        "kind",
        "repository",
        "framework",
        "labelling_round",
        "final_tag",
        "fault_id",
        "dataset_id",
    ]
    _copy_rows(
        Artifact,
        artifact_columns,
        (
            (url, Artifact.Source.GITHUB, kind, repo, framework, rnd, tag, fid(fault), source.pk)
            for url, kind, repo, framework, rnd, tag, fault in p.github
        ),
        progress,
    )
    _copy_rows(
        Artifact,
        artifact_columns,
        (
            (url, Artifact.Source.STACKOVERFLOW, Artifact.Kind.POST, "", framework, rnd, tag, fid(fault), source.pk)
            for url, framework, rnd, tag, fault in p.stackoverflow
        ),
        progress,
    )
    _copy_rows(
        Interview,
        ["number", "transcript", "dataset_id"],
        ((number, "Synthetic interview (benchmark data): no transcript.", source.pk) for number in p.interviews),
        progress,
    )
    interview_ids = dict(Interview.objects.filter(dataset=source).values_list("number", "pk"))
    _copy_rows(
        InterviewMention,
        ["interview_id", "position", "tag", "fault_id"],
        ((interview_ids[number], position, tag, fid(fault)) for number, position, tag, fault in p.mentions),
        progress,
    )
    bump_data_version()
    return p.counts


_LOADED = (Paper, FaultMapping, FaultMapping.methods.through, Artifact, Interview, InterviewMention, Fault, Method)


def vacuum() -> None:
    """VACUUM ANALYZE the tables just loaded (PostgreSQL, outside a transaction): fresh planner statistics, and a
    visibility map so grouped counts can use index-only scans, as autovacuum would do a little later."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        for model in _LOADED:
            cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def generate(
    scale: float, seed: int = 0, faults: int = DEFAULT_FAULTS, progress: Callable[[int], None] = lambda n: None
) -> Counts:
    """Plan and load synthetic data at ``scale`` (see the module docstring). Returns the counts written."""
    return load(plan(scale, seed, faults), progress)


@transaction.atomic
def clear() -> dict[str, int]:
    """Delete every synthetic row and nothing else. Returns rows deleted per table.

    Raw deletes (no per-row signals, no ORM collector loading a million objects); the data version is bumped
    once at the end. Refuses when real data refers to synthetic rows (a snapshot frozen over synthetic faults).
    """
    source = Source.objects.filter(key=SOURCE_KEY).first()
    frozen = sorted(
        set(SnapshotEntry.objects.filter(fault__source=source).values_list("snapshot__name", flat=True))
        if source is not None
        else ()
    )
    if frozen:
        raise ValueError(f"snapshots refer to synthetic faults; delete them first: {', '.join(frozen)}")
    qn = connection.ops.quote_name

    def table(model: type[Model]) -> str:
        return qn(model._meta.db_table)

    deleted = dict.fromkeys(
        ["mapping methods", "mappings", "paper methods", "papers", "mentions", "interviews", "artifacts", "faults"], 0
    )
    statements: list[tuple[str | None, str, list]] = []
    if source is not None:
        synthetic = [source.pk]
        paper_ids = f"SELECT id FROM {table(Paper)} WHERE source_id = %s"
        mapping_ids = f"SELECT id FROM {table(FaultMapping)} WHERE paper_id IN ({paper_ids})"
        interview_ids = f"SELECT id FROM {table(Interview)} WHERE dataset_id = %s"
        statements += [
            (
                "mapping methods",
                f"DELETE FROM {table(FaultMapping.methods.through)} WHERE faultmapping_id IN ({mapping_ids})",
                synthetic,
            ),
            ("mappings", f"DELETE FROM {table(FaultMapping)} WHERE paper_id IN ({paper_ids})", synthetic),
            ("paper methods", f"DELETE FROM {table(Paper.methods.through)} WHERE paper_id IN ({paper_ids})", synthetic),
            ("papers", f"DELETE FROM {table(Paper)} WHERE source_id = %s", synthetic),
            ("mentions", f"DELETE FROM {table(InterviewMention)} WHERE interview_id IN ({interview_ids})", synthetic),
            ("interviews", f"DELETE FROM {table(Interview)} WHERE dataset_id = %s", synthetic),
            ("artifacts", f"DELETE FROM {table(Artifact)} WHERE dataset_id = %s", synthetic),
            # Faults reference their parent: break the links first so one DELETE removes the whole tree.
            (None, f"UPDATE {table(Fault)} SET parent_id = NULL WHERE source_id = %s", synthetic),
            ("faults", f"DELETE FROM {table(Fault)} WHERE source_id = %s", synthetic),
        ]
    with connection.cursor() as cursor:
        for name, sql, params in statements:
            cursor.execute(sql, params)
            if name is not None:
                deleted[name] = cursor.rowcount
        cursor.execute(
            f"DELETE FROM {table(Method)} WHERE code LIKE %s AND parent_id IS NOT NULL", [METHOD_PREFIX + "%"]
        )
        n = cursor.rowcount
        cursor.execute(f"DELETE FROM {table(Method)} WHERE code LIKE %s", [METHOD_PREFIX + "%"])
        deleted["methods"] = n + cursor.rowcount
    if source is not None:
        source.delete()
    bump_data_version()
    return deleted


#
# Determinism check
#


def fingerprint() -> str:
    """SHA-256 of the synthetic rows' content, independent of primary keys and insertion order details."""
    h = hashlib.sha256()

    def feed(rows: Iterable[Sequence]) -> None:
        for row in rows:
            h.update(repr(tuple(row)).encode())
        h.update(b"|")

    faults = Fault.objects.filter(source__key=SOURCE_KEY)
    feed(faults.order_by("code").values_list("code", "slug", "name", "parent__code", "kind", "position"))
    papers = Paper.objects.filter(source__key=SOURCE_KEY)
    feed(papers.order_by("key").values_list("key", "title", "authors", "year", "venue"))
    feed(papers.order_by("key", "methods__code").values_list("key", "methods__code"))
    mappings = FaultMapping.objects.filter(paper__source__key=SOURCE_KEY)
    feed(mappings.order_by("uid").values_list("uid", "paper__key", "fault__code", "strength", "status", "approved_at"))
    feed(mappings.order_by("uid", "methods__code").values_list("uid", "methods__code"))
    artifacts = Artifact.objects.filter(dataset__key=SOURCE_KEY)
    feed(artifacts.order_by("url").values_list("url", "source", "kind", "framework", "final_tag", "fault__code"))
    mentions = InterviewMention.objects.filter(interview__dataset__key=SOURCE_KEY)
    feed(
        mentions.order_by("interview__number", "position").values_list(
            "interview__number", "position", "tag", "fault__code"
        )
    )
    return h.hexdigest()


def synthetic_counts() -> dict[str, int]:
    """Synthetic rows now in the database, per kind."""
    return {
        "faults": Fault.objects.filter(source__key=SOURCE_KEY).count(),
        "leaves": Fault.objects.filter(source__key=SOURCE_KEY, kind=Fault.Kind.LEAF).count(),
        "papers": Paper.objects.filter(source__key=SOURCE_KEY).count(),
        "mappings": FaultMapping.objects.filter(paper__source__key=SOURCE_KEY).count(),
        "github": Artifact.objects.filter(dataset__key=SOURCE_KEY, source=Artifact.Source.GITHUB).count(),
        "stackoverflow": Artifact.objects.filter(dataset__key=SOURCE_KEY, source=Artifact.Source.STACKOVERFLOW).count(),
        "interviews": Interview.objects.filter(dataset__key=SOURCE_KEY).count(),
        "mentions": InterviewMention.objects.filter(interview__dataset__key=SOURCE_KEY).count(),
        "methods": Method.objects.filter(code__startswith=METHOD_PREFIX).count(),
    }
