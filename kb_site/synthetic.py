"""Synthetic benchmark data: a large, skewed, deterministic knowledge base beside the real one.

``generate(scale=N, seed=S)`` adds, per unit of scale, 100 papers, 500 mappings and 10,000 practitioner
records (4,000 GitHub artefacts, 2,000 StackOverflow posts, 4,000 interview mentions) on a synthetic taxonomy of
about 1,000 faults. Evidence and research attention follow Zipf-like laws over the leaves (a few faults hold
most of the evidence), on different but correlated orders, so demand gaps exist as they do in real data.

Everything synthetic is marked and kept apart from the real data, so ``clear()`` can remove exactly it:

* faults, papers: ``origin = "synthetic"``; fault codes start ``S-``, paper keys ``s-paper-``;
* methods: codes start ``S-M-``;
* artefacts and interviews: ``dataset`` is the ``synthetic`` Source; interview numbers start at 20000;
* mappings and mentions: reached through a synthetic paper or interview.

The same seed produces the same rows (``fingerprint()`` hashes them independently of primary keys). Rows go
in with PostgreSQL's COPY (``bulk_create`` in batches elsewhere); no model signal fires during the load, so the
coverage data version is bumped once at the end.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import math
import random
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Model

from challenges.models import Artifact, Interview, InterviewMention
from papers.models import FaultMapping, Paper, normalise_title
from taxonomy.cache import bump_data_version
from taxonomy.models import Fault, Method, ReviewStatus, Source, Strength

SOURCE_KEY = "synthetic"
FAULT_PREFIX = "S-"
METHOD_PREFIX = "S-M-"
PAPER_PREFIX = "s-paper-"
INTERVIEW_BASE = 20000  # real interviews are numbered 1..20; smallint caps numbers at 32767
MAX_INTERVIEWS = 12000
POSITION_BASE = 1_000_000  # synthetic faults sort after every real one

# Rows per unit of scale.
PAPERS = 100
MAPPINGS = 500
GITHUB = 4000
STACKOVERFLOW = 2000
MENTIONS = 4000
DEFAULT_FAULTS = 1000

ZIPF_EXPONENT = 1.1
RESEARCHED_SHARE = 0.55
BASE_TIME = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)

_ADJECTIVES = [
    "Wrong",
    "Missing",
    "Redundant",
    "Suboptimal",
    "Inconsistent",
    "Unstable",
    "Incorrect",
    "Stale",
    "Leaky",
    "Mismatched",
    "Silent",
    "Excessive",
    "Insufficient",
    "Misconfigured",
    "Deprecated",
    "Non-deterministic",
]
_NOUNS = [
    "tensor shape",
    "learning rate",
    "loss function",
    "activation",
    "batch size",
    "optimizer state",
    "data split",
    "label encoding",
    "weight initialisation",
    "layer wiring",
    "GPU memory",
    "checkpoint",
    "tokeniser",
    "augmentation",
    "normalisation",
    "gradient flow",
    "API usage",
    "dependency version",
    "training loop",
    "evaluation metric",
    "dropout rate",
    "embedding size",
    "callback",
    "input pipeline",
    "regularisation",
]
_AREAS = ["Model", "Tensors and inputs", "Training", "GPU usage", "API", "Data", "Deployment", "Configuration"]
_TECHNIQUES = [
    "fuzzing",
    "mutation testing",
    "runtime monitoring",
    "fault localisation",
    "automated repair",
    "differential testing",
    "static analysis",
    "property-based testing",
    "statistical debugging",
    "model slicing",
]
_VENUES = ["ICSE", "FSE", "ASE", "ISSTA", "TOSEM", "TSE", "ICST", "MSR", "EMSE", "arXiv"]
_SURNAMES = ["Rossi", "Nguyen", "Kim", "Okafor", "Schmidt", "Silva", "Tanaka", "Novak", "Haddad", "Larsen"]
_INITIALS = "ABCDEFGHJKLMNPRSTW"
_FRAMEWORKS = [Artifact.Framework.TENSORFLOW, Artifact.Framework.KERAS, Artifact.Framework.TORCH]
_METHODS = {
    "S-M-T": ("Testing (synthetic)", ["S-M-T-GEN", "S-M-T-MUT", "S-M-T-PROP"]),
    "S-M-D": ("Diagnosis (synthetic)", ["S-M-D-MON", "S-M-D-FL", "S-M-D-STAT"]),
    "S-M-R": ("Repair (synthetic)", ["S-M-R-MODEL", "S-M-R-PROG", "S-M-R-DATA"]),
}


@dataclass(frozen=True)
class Counts:
    faults: int
    leaves: int
    papers: int
    mappings: int
    github: int
    stackoverflow: int
    interviews: int
    mentions: int
    methods: int

    @property
    def total(self) -> int:
        return (
            self.faults
            + self.papers
            + self.mappings
            + self.github
            + self.stackoverflow
            + self.interviews
            + self.mentions
            + self.methods
        )


def planned_counts(scale: float, faults: int = DEFAULT_FAULTS) -> Counts:
    """How many rows ``generate(scale, faults=faults)`` adds (``leaves`` is filled in by the tree plan)."""
    papers = max(1, round(PAPERS * scale))
    mentions = max(1, round(MENTIONS * scale))
    return Counts(
        faults=faults,
        leaves=0,
        papers=papers,
        mappings=max(1, round(MAPPINGS * scale)),
        github=max(1, round(GITHUB * scale)),
        stackoverflow=max(1, round(STACKOVERFLOW * scale)),
        interviews=min(MAX_INTERVIEWS, max(1, math.ceil(mentions / 200))),
        mentions=mentions,
        methods=sum(1 + len(children) for _, children in _METHODS.values()),
    )


def is_present() -> bool:
    return Source.objects.filter(key=SOURCE_KEY).exists() or Fault.objects.filter(origin="synthetic").exists()


#
# The plan: every row as plain values, from the seed alone
#


@dataclass(frozen=True)
class FaultRow:
    code: str
    name: str
    parent: str | None
    kind: str
    position: int


def _zipf_cum_weights(n: int) -> list[float]:
    total = 0.0
    cum = []
    for rank in range(n):
        total += 1.0 / (rank + 1) ** ZIPF_EXPONENT
        cum.append(total)
    return cum


def _spread(rng: random.Random, parents: Sequence[str], n_children: int) -> list[str]:
    """Assign ``n_children`` to ``parents``: every parent gets one, the rest go at random."""
    assigned = list(parents[:n_children])
    assigned += [rng.choice(parents) for _ in range(n_children - len(assigned))]
    return sorted(assigned, key=parents.index)


def plan_tree(rng: random.Random, n_faults: int) -> list[FaultRow]:
    """A four-level taxonomy (area > category > sub-category > leaf) of exactly ``n_faults`` nodes, tree order."""
    if n_faults < 4:
        raise ValueError("the synthetic taxonomy needs at least 4 faults")
    n3 = max(1, n_faults // 7)
    n2 = max(1, n3 // 6)
    n1 = max(1, n2 // 6)
    n_leaves = n_faults - n1 - n2 - n3
    roots = [f"{FAULT_PREFIX}{i + 1}" for i in range(n1)]
    mids_parent = _spread(rng, roots, n2)
    children: dict[str, list[str]] = {code: [] for code in roots}
    mids = []
    for parent in mids_parent:
        code = f"{parent}.{len(children[parent]) + 1}"
        children[parent].append(code)
        children[code] = []
        mids.append(code)
    lows = []
    for parent in _spread(rng, mids, n3):
        code = f"{parent}.{len(children[parent]) + 1}"
        children[parent].append(code)
        children[code] = []
        lows.append(code)
    for parent in _spread(rng, lows, n_leaves):
        children[parent].append(f"{parent}-{len(children[parent]) + 1}")

    names: dict[str, str] = {}
    rows: list[FaultRow] = []

    def visit(code: str, parent: str | None) -> None:
        kind = Fault.Kind.CATEGORY if code in children else Fault.Kind.LEAF
        if parent is None:
            name = f"{_AREAS[(len(rows)) % len(_AREAS)]} faults {code}"
        elif kind == Fault.Kind.LEAF:
            name = f"{rng.choice(_ADJECTIVES)} {rng.choice(_NOUNS)}"
        else:
            name = f"{rng.choice(_NOUNS).capitalize()} issues"
        names[code] = name
        rows.append(FaultRow(code, f"{name} ({code})", parent, kind, POSITION_BASE + len(rows)))
        for child in children.get(code, []):
            visit(child, code)

    for root in roots:
        visit(root, None)
    return rows


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _near_permutation(rng: random.Random, items: list, swaps: float) -> list:
    """``items`` with a share of positions swapped at random: correlated with, but not equal to, the input order."""
    out = list(items)
    for _ in range(int(len(out) * swaps)):
        i, j = rng.randrange(len(out)), rng.randrange(len(out))
        out[i], out[j] = out[j], out[i]
    return out


@dataclass
class Plan:
    counts: Counts
    faults: list[FaultRow]
    papers: list[dict]
    mappings: list[dict]  # paper key, fault code, uid, ... and "methods": [codes]
    github: list[tuple]  # (url, kind, repository, framework, round, tag, fault code | None)
    stackoverflow: list[tuple]
    interviews: list[int]
    mentions: list[tuple]  # (interview number, position, tag, fault code | None)


def plan(scale: float, seed: int = 0, faults: int = DEFAULT_FAULTS) -> Plan:
    """Every synthetic row, computed from ``scale`` and ``seed`` only (no database access)."""
    rng = random.Random(seed)
    counts = planned_counts(scale, faults)
    tree = plan_tree(rng, faults)
    leaves = [row.code for row in tree if row.kind == Fault.Kind.LEAF]
    categories = [row.code for row in tree if row.kind == Fault.Kind.CATEGORY]
    counts = Counts(**{**counts.__dict__, "leaves": len(leaves)})
    names = {row.code: row.name for row in tree}

    # Practitioner demand: Zipf over a shuffled leaf order. Research attention: Zipf over a perturbed copy of that
    # order restricted to the ~55% of leaves any research targets (a fifth of those only partially), so leaf
    # coverage and the practice-weighted shares look like the real data's rather than near 100%.
    demand = list(leaves)
    rng.shuffle(demand)
    researched = {leaf for leaf in leaves if rng.random() < RESEARCHED_SHARE} or {leaves[0]}
    partial_only = {leaf for leaf in sorted(researched) if rng.random() < 0.2}
    attention = [leaf for leaf in _near_permutation(rng, demand, swaps=0.35) if leaf in researched]
    demand_cw = _zipf_cum_weights(len(demand))
    attention_cw = _zipf_cum_weights(len(attention))

    def evidence_faults(n: int) -> list[str | None]:
        picks: list[str | None] = rng.choices(demand, cum_weights=demand_cw, k=n)
        for i in range(n):  # ~2% unclassified, ~3% classified to a category rather than a leaf
            roll = rng.random()
            if roll < 0.02:
                picks[i] = None
            elif roll < 0.05:
                picks[i] = rng.choice(categories)
        return picks

    method_children = [child for _, kids in _METHODS.values() for child in kids]

    papers = []
    for i in range(counts.papers):
        year = 2025 - min(10, int(rng.expovariate(0.35)))
        authors = [f"{rng.choice(_INITIALS)}. {rng.choice(_SURNAMES)}" for _ in range(rng.randint(1, 5))]
        technique = rng.choice(_TECHNIQUES)
        title = f"{technique.capitalize()} for {rng.choice(_NOUNS)} faults in deep learning, part {i + 1}"
        papers.append(
            {
                "key": f"{PAPER_PREFIX}{i + 1:06d}",
                "title": title,
                "authors": authors,
                "year": year,
                "venue": rng.choice(_VENUES),
                "methods": sorted(rng.sample(method_children, rng.randint(1, 2))),
            }
        )

    # Mappings: distinct (paper, fault) pairs; papers get ~5 each, faults by research attention.
    mappings = []
    seen: set[tuple[int, str]] = set()
    paper_cw = _zipf_cum_weights(len(papers))
    paper_order = list(range(len(papers)))
    rng.shuffle(paper_order)
    max_pairs = len(papers) * (len(leaves) + len(categories))
    target = min(counts.mappings, max_pairs)
    while len(mappings) < target:
        # Half the mappings spread evenly over papers, half follow a mild skew (survey papers map many faults).
        p = (
            len(mappings) % len(papers)
            if rng.random() < 0.5
            else paper_order[rng.choices(range(len(papers)), cum_weights=paper_cw)[0]]
        )
        fault = rng.choice(categories) if rng.random() < 0.05 else rng.choices(attention, cum_weights=attention_cw)[0]
        if (p, fault) in seen:
            continue
        seen.add((p, fault))
        roll = rng.random()
        status = ReviewStatus.APPROVED if roll < 0.9 else ReviewStatus.PENDING if roll < 0.96 else ReviewStatus.REJECTED
        paper = papers[p]
        mappings.append(
            {
                "paper": paper["key"],
                "fault": fault,
                "uid": _uuid(rng),
                "strength": Strength.PARTIAL if fault in partial_only or rng.random() >= 0.55 else Strength.EXPLICIT,
                "status": status,
                "methods": paper["methods"][: rng.randint(1, len(paper["methods"]))],
                "rationale": f"{paper['key']} applies its technique to {names[fault]}.",
                "approved_at": BASE_TIME + datetime.timedelta(minutes=len(mappings))
                if status == ReviewStatus.APPROVED
                else None,
            }
        )
    counts = Counts(**{**counts.__dict__, "mappings": len(mappings)})

    github = []
    for i, fault in enumerate(evidence_faults(counts.github)):
        roll = rng.random()
        kind = (
            Artifact.Kind.ISSUE if roll < 0.5 else Artifact.Kind.COMMIT if roll < 0.85 else Artifact.Kind.PULL_REQUEST
        )
        repo = f"synthetic-kb/repo-{rng.randrange(500):03d}"
        path = {"issue": "issues", "commit": "commit", "pull-request": "pull"}[kind]
        tag = names[fault].lower() if fault else "unclear"
        github.append(
            (
                f"https://github.com/{repo}/{path}/{i + 1}",
                kind,
                repo,
                rng.choice(_FRAMEWORKS),
                rng.randint(1, 3),
                tag,
                fault,
            )
        )
    stackoverflow = []
    for i, fault in enumerate(evidence_faults(counts.stackoverflow)):
        tag = names[fault].lower() if fault else "unclear"
        stackoverflow.append(
            (
                f"https://stackoverflow.com/questions/{i + 1}/synthetic-kb-post",
                rng.choice(_FRAMEWORKS),
                rng.randint(1, 3),
                tag,
                fault,
            )
        )
    interviews = [INTERVIEW_BASE + i for i in range(counts.interviews)]
    mentions = []
    per_interview: dict[int, int] = {}
    for fault in evidence_faults(counts.mentions):
        number = interviews[rng.randrange(len(interviews))]
        per_interview[number] = per_interview.get(number, 0) + 1
        tag = names[fault].lower() if fault else "unplaced tag"
        mentions.append((number, per_interview[number], tag, fault))
    return Plan(counts, tree, papers, mappings, github, stackoverflow, interviews, mentions)


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
                origin=Fault.Origin.SYNTHETIC,
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
                Paper.Origin.SYNTHETIC,
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
    paper_ids = dict(Paper.objects.filter(origin=Paper.Origin.SYNTHETIC).values_list("key", "pk"))
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
    mapping_ids = dict(FaultMapping.objects.filter(paper__origin=Paper.Origin.SYNTHETIC).values_list("uid", "pk"))
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
    synthetic_faults = Fault.objects.filter(origin=Fault.Origin.SYNTHETIC)
    entry_model = Fault._meta.get_field("snapshot_entries").related_model
    frozen = sorted(
        set(entry_model.objects.filter(fault__in=synthetic_faults).values_list("snapshot__name", flat=True))
    )
    if frozen:
        raise ValueError(f"snapshots refer to synthetic faults; delete them first: {', '.join(frozen)}")
    qn = connection.ops.quote_name

    def table(model: type[Model]) -> str:
        return qn(model._meta.db_table)

    deleted: dict[str, int] = {}
    statements: list[tuple[str, str, list]] = []
    paper_ids = f"SELECT id FROM {table(Paper)} WHERE origin = %s"
    mapping_ids = f"SELECT id FROM {table(FaultMapping)} WHERE paper_id IN ({paper_ids})"
    fault_ids = f"SELECT id FROM {table(Fault)} WHERE origin = %s"
    synthetic = [Paper.Origin.SYNTHETIC]
    statements += [
        (
            "mapping methods",
            f"DELETE FROM {table(FaultMapping.methods.through)} WHERE faultmapping_id IN ({mapping_ids})",
            synthetic,
        ),
        ("mappings", f"DELETE FROM {table(FaultMapping)} WHERE paper_id IN ({paper_ids})", synthetic),
        ("paper methods", f"DELETE FROM {table(Paper.methods.through)} WHERE paper_id IN ({paper_ids})", synthetic),
        ("papers", f"DELETE FROM {table(Paper)} WHERE origin = %s", synthetic),
    ]
    if source is not None:
        interview_ids = f"SELECT id FROM {table(Interview)} WHERE dataset_id = %s"
        statements += [
            ("mentions", f"DELETE FROM {table(InterviewMention)} WHERE interview_id IN ({interview_ids})", [source.pk]),
            ("interviews", f"DELETE FROM {table(Interview)} WHERE dataset_id = %s", [source.pk]),
            ("artifacts", f"DELETE FROM {table(Artifact)} WHERE dataset_id = %s", [source.pk]),
        ]
    with connection.cursor() as cursor:
        for name, sql, params in statements:
            cursor.execute(sql, params)
            deleted[name] = cursor.rowcount
        # Faults reference their parent: break the links first so one DELETE removes the whole tree.
        cursor.execute(f"UPDATE {table(Fault)} SET parent_id = NULL WHERE origin = %s", [Fault.Origin.SYNTHETIC])
        cursor.execute(f"DELETE FROM {table(Fault)} WHERE id IN ({fault_ids})", [Fault.Origin.SYNTHETIC])
        deleted["faults"] = cursor.rowcount
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

    faults = Fault.objects.filter(origin=Fault.Origin.SYNTHETIC)
    feed(faults.order_by("code").values_list("code", "slug", "name", "parent__code", "kind", "position"))
    papers = Paper.objects.filter(origin=Paper.Origin.SYNTHETIC)
    feed(papers.order_by("key").values_list("key", "title", "authors", "year", "venue"))
    feed(papers.order_by("key", "methods__code").values_list("key", "methods__code"))
    mappings = FaultMapping.objects.filter(paper__origin=Paper.Origin.SYNTHETIC)
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
        "faults": Fault.objects.filter(origin=Fault.Origin.SYNTHETIC).count(),
        "leaves": Fault.objects.filter(origin=Fault.Origin.SYNTHETIC, kind=Fault.Kind.LEAF).count(),
        "papers": Paper.objects.filter(origin=Paper.Origin.SYNTHETIC).count(),
        "mappings": FaultMapping.objects.filter(paper__origin=Paper.Origin.SYNTHETIC).count(),
        "github": Artifact.objects.filter(dataset__key=SOURCE_KEY, source=Artifact.Source.GITHUB).count(),
        "stackoverflow": Artifact.objects.filter(dataset__key=SOURCE_KEY, source=Artifact.Source.STACKOVERFLOW).count(),
        "interviews": Interview.objects.filter(dataset__key=SOURCE_KEY).count(),
        "mentions": InterviewMention.objects.filter(interview__dataset__key=SOURCE_KEY).count(),
        "methods": Method.objects.filter(code__startswith=METHOD_PREFIX).count(),
    }
