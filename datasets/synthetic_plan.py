"""The synthetic benchmark data's plan: every row as plain values, computed from the scale and the seed alone.

No database access here; ``datasets.synthetic`` writes a plan into the database (see its docstring for the data's
shape and how it is marked).
"""

from __future__ import annotations

import datetime
import math
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from challenges.models import Artifact
from taxonomy.models import Fault, ReviewStatus, Strength

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
