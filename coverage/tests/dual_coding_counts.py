"""Agreement figures of the shipped dual-coding data, counted straight from the survey data's JSON and CSV.

Deliberately independent of ``coverage/agreement.py``: plain dictionaries and sets, no models, no tree module.
"""

import csv
import json
from collections import Counter
from fractions import Fraction

from django.conf import settings


def available() -> bool:
    return (settings.SURVEY_DATA_DIR / "curated" / "dual_coding.json").exists()


def _parents() -> dict[str, str | None]:
    data = settings.SURVEY_DATA_DIR
    with (data / "humbatova2020" / "taxonomy.csv").open(newline="", encoding="utf-8") as handle:
        parents = {row["id"]: row["parent_id"] or None for row in csv.DictReader(handle)}
    curated = json.loads((data / "curated" / "papers.json").read_text())
    for node in curated["extension_nodes"]:
        parents[node["id"]] = node.get("parent") or node.get("parent_id") or None
    return parents


def _line(code: str, parents: dict) -> list[str]:
    """The node and its ancestors."""
    chain = [code]
    while parents.get(chain[-1]):
        chain.append(parents[chain[-1]])
    return chain


def counts(sample: str | None = None, coders: str | None = None, category: str | None = None) -> dict:
    """Numerators and denominators for the papers of ``sample`` / coder pair ``"E1 × E2"`` / top category."""
    parents = _parents()
    dual = json.loads((settings.SURVEY_DATA_DIR / "curated" / "dual_coding.json").read_text())
    both = either = same = matched = total = papers = 0
    table = Counter()
    for paper in dual["papers"]:
        first, second = paper["codings"]
        if sample and paper["sample"] != sample:
            continue
        if coders and f"{first['coder']} × {second['coder']}" != coders:
            continue
        a = {m["fault_id"]: m["strength"] for m in first["mappings"]}
        b = {m["fault_id"]: m["strength"] for m in second["mappings"]}
        if category:
            a = {k: v for k, v in a.items() if _line(k, parents)[-1] == category}
            b = {k: v for k, v in b.items() if _line(k, parents)[-1] == category}
        if not a and not b:
            continue
        papers += 1
        either += len(a.keys() | b.keys())
        for fault in a.keys() & b.keys():
            both += 1
            same += a[fault] == b[fault]
            table[(a[fault], b[fault])] += 1
        for mine, other in ((a, b), (b, a)):
            for fault in mine:
                total += 1
                # same node, an ancestor (on my line) or a descendant (I am on its line)
                matched += any(fault in _line(o, parents) or o in _line(fault, parents) for o in other)
    n = sum(table.values())
    p_o = Fraction(same, n) if n else None
    p_e = (
        sum(
            Fraction(table[(s, "explicit")] + table[(s, "partial")], n)
            * Fraction(table[("explicit", s)] + table[("partial", s)], n)
            for s in ("explicit", "partial")
        )
        if n
        else None
    )
    kappa = (p_o - p_e) / (1 - p_e) if n and p_e != 1 else None
    return {
        "papers": papers,
        "fault_set": (both, either),
        "strength": (same, both),
        "branch": (matched, total),
        "table": table,
        "kappa": kappa,
    }


def dependent_leaves() -> set[tuple[str, str, bool]]:
    """(leaf id, paper key, pending) whose status differs with the coding taken, the seeded mappings as they are."""
    data = settings.SURVEY_DATA_DIR
    curated = json.loads((data / "curated" / "papers.json").read_text())
    with (data / "humbatova2020" / "taxonomy.csv").open(newline="", encoding="utf-8") as handle:
        leaves = {row["id"] for row in csv.DictReader(handle) if row["kind"] == "leaf"}
    leaves |= {node["id"] for node in curated["extension_nodes"] if node["kind"] == "leaf"}
    seeded = [(p["id"], m["fault_id"], m["strength"]) for p in curated["papers"] for m in p["mappings"]]

    def status(strengths: list[str]) -> str:
        return "addressed" if "explicit" in strengths else "partial" if strengths else "unaddressed"

    found = set()
    dual = json.loads((data / "curated" / "dual_coding.json").read_text())
    for paper in dual["papers"]:
        key = paper["paper"]
        a, b = ({m["fault_id"]: m["strength"] for m in c["mappings"]} for c in paper["codings"])
        for fault in (a.keys() | b.keys()) & leaves:
            others = [s for p, f, s in seeded if f == fault and p != key]
            with_a = others + ([a[fault]] if fault in a else [])
            with_b = others + ([b[fault]] if fault in b else [])
            if status(with_a) != status(with_b):
                found.add((fault, key, paper["adjudication"]["status"] == "pending"))
    return found
