"""The taxonomy explorer's tree-table: the tree flattened to rows (depth and ancestors for folding), or its leaves
alone ordered by a measure. Built from ``coverage.compute()``'s data; no query."""

from __future__ import annotations

from dataclasses import dataclass

from coverage.coverage import CoverageData, FaultCoverage, practitioner_evidence

# How the explorer can be ordered: the tree itself, or its leaves alone by a measure (most telling first).
SORTS = {
    "tree": "Tree order",
    "evidence": "Leaves by practitioner evidence (most first)",
    "papers": "Leaves by papers (fewest first)",
}


@dataclass
class ExplorerRow:
    """One row of the explorer's tree-table: a node, its depth and ancestors (for folding), whether it matched."""

    row: FaultCoverage
    depth: int
    path: list[str]  # codes of its ancestors, root first
    has_children: bool
    matched: bool


def explorer_rows(data: CoverageData, matched: set[int] | None, sort: str) -> list[ExplorerRow]:
    """Tree order (with ``matched``: those nodes plus their ancestors, greyed, for context), or leaves sorted."""
    rows: list[ExplorerRow] = []
    by_code = {row.code: row for row in data.rows}

    def keep(node) -> bool:
        return matched is None or node.fault.pk in matched or any(keep(child) for child in node.children)

    def walk(node, path: list[str]) -> None:
        if not keep(node):
            return
        hit = matched is None or node.fault.pk in matched
        rows.append(ExplorerRow(by_code[node.fault.code], len(path), path, bool(node.children), hit))
        for child in node.children:
            walk(child, [*path, node.fault.code])

    for root in data.tree.roots:
        walk(root, [])
    if sort == "tree":
        return rows
    leaves = [r for r in rows if r.row.is_leaf and r.matched]
    if sort == "evidence":
        leaves.sort(key=lambda r: (-practitioner_evidence(r.row.evidence), r.row.papers, r.row.fault.position))
    else:
        leaves.sort(key=lambda r: (r.row.papers, -practitioner_evidence(r.row.evidence), r.row.fault.position))
    return [ExplorerRow(r.row, 0, [], False, True) for r in leaves]
