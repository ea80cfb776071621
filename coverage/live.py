"""The live coverage read piece by piece: what one page needs, not the whole computation.

``coverage.compute()`` is the one computation; this module only decides what of its result a page reads. A fault
page needs a handful of rows, a list of evidence its page's rows and the fault labels of its filter form: reading
the whole cached computation for that (about 0.5 MB pickled, ~1,100 ``Fault`` objects to unpickle) cost more than
the rest of the page. So, per data version, the cache also holds each fault's row on its own (``row:<pk>``), and an
``Outline`` of the tree (codes, parents, depths, statuses, select labels: plain values, quick to unpickle). All of
them come from one ``compute()`` and are stored together the first time any is missing.

With coverage caching off (or the cache unreachable) every piece comes from one ``compute()`` per ``LiveCoverage``
object, so a page costs the same queries as before.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

from coverage import cache as coverage_cache
from coverage import summaries
from coverage.coverage import CoverageData, FaultCoverage, Status, compute
from kb_site.ui import fault_options
from taxonomy.tree import build_tree

log = logging.getLogger(__name__)

# The cache entry's name; a new name whenever OutlineNode's fields change (entries of the old shape are never read).
OUTLINE = "outline-2"


class OutlineNode(NamedTuple):
    pk: int
    code: str
    parent_id: int | None
    depth: int
    status: Status | None  # None for categories
    position: int
    mappings: int  # approved mappings directly on this node (explicit + partial)


@dataclass
class Outline:
    """The fault tree without its models: each node's place and status, in display order, and the select labels."""

    nodes: list[OutlineNode]
    options: list[tuple[str, str]]  # kb_site.ui.fault_options of the tree: (code, indented label)
    by_code: dict[str, int] = field(init=False, repr=False)  # code -> index in ``nodes``
    by_id: dict[int, int] = field(init=False, repr=False)  # pk -> index in ``nodes``

    def __post_init__(self):
        self.by_code = {node.code: index for index, node in enumerate(self.nodes)}
        self.by_id = {node.pk: index for index, node in enumerate(self.nodes)}

    def __getstate__(self):  # the indexes are rebuilt on load: smaller to store, as quick to rebuild as to unpickle
        return {"nodes": self.nodes, "options": self.options}

    def __setstate__(self, state):
        self.nodes, self.options = state["nodes"], state["options"]
        self.__post_init__()

    @classmethod
    def of(cls, data: CoverageData) -> Outline:
        nodes = [
            OutlineNode(
                row.fault.pk,
                row.code,
                row.fault.parent_id,
                row.depth,
                row.status,
                row.fault.position,
                row.explicit + row.partial,
            )
            for row in data.rows
        ]
        return cls(nodes, fault_options(data.tree))

    def node(self, code: str) -> OutlineNode:
        return self.nodes[self.by_code[code]]

    def ancestors(self, code: str) -> list[OutlineNode]:
        """Root first, excluding the node itself."""
        chain = []
        node = self.node(code)
        while node.parent_id is not None:
            node = self.nodes[self.by_id[node.parent_id]]
            chain.append(node)
        return chain[::-1]

    def subtree(self, code: str) -> list[OutlineNode]:
        """The node and every descendant, in display order (a contiguous run of the depth-first order)."""
        start = self.by_code[code]
        depth = self.nodes[start].depth
        end = start + 1
        while end < len(self.nodes) and self.nodes[end].depth > depth:
            end += 1
        return self.nodes[start:end]

    def children(self, code: str) -> list[OutlineNode]:
        depth = self.node(code).depth
        return [node for node in self.subtree(code) if node.depth == depth + 1]

    def first_below(self, code: str, limit: int) -> tuple[list[int], int]:
        """The faults below ``code`` that hold its first ``limit`` approved mappings in list order (fault position,
        then paper title), and how many approved mappings lie below it in all: a fault page lists that section by
        ranking those faults' mappings only, not every mapping of the subtree (~17,000 under a top category at
        scale 100)."""
        below = sorted(self.subtree(code)[1:], key=lambda node: node.position)
        chosen, seen = [], 0
        for node in below:
            if seen >= limit:
                break
            if node.mappings:
                chosen.append(node.pk)
                seen += node.mappings
        return chosen, sum(node.mappings for node in below)

    def ids_with_status(self, status: str) -> list[int]:
        return [node.pk for node in self.nodes if node.status == status]


class LiveCoverage:
    """The live coverage for one request: each accessor reads only its piece (see the module docstring)."""

    def __init__(self):
        self.version: str | None = None
        if coverage_cache.enabled():
            try:
                self.version = coverage_cache.data_version()
            except Exception:
                log.exception("coverage cache unreachable; computing without it")

    @cached_property
    def data(self) -> CoverageData:
        """The whole computation (for pages that read every row)."""
        return compute()

    @cached_property
    def outline(self) -> Outline:
        if self.version is None:
            return Outline.of(self.data)
        found = self._read([OUTLINE])
        return found[OUTLINE] if OUTLINE in found else self._fill()[OUTLINE]

    def fault_choices(self) -> list[tuple[str, str]]:
        """Every fault as a select option (``kb_site.ui.fault_options``) for a page that needs nothing else of the
        coverage: the cached outline's, or with caching off from the tree alone (one query), not a computation."""
        if self.version is None and "data" not in self.__dict__:
            return fault_options(build_tree())
        return self.outline.options

    def rows(self, ids: Iterable[int]) -> dict[int, FaultCoverage]:
        """The rows of the faults ``ids`` (by pk; unknown ids are left out): one cache read."""
        ids = list(dict.fromkeys(ids))
        if self.version is None:
            by_id = {row.fault.pk: row for row in self.data.rows}
            return {pk: by_id[pk] for pk in ids if pk in by_id}
        names = {f"row:{pk}": pk for pk in ids if pk in self.outline.by_id}
        found = self._read(list(names)) if names else {}
        if len(found) < len(names):
            found = self._fill()
        return {pk: found[name] for name, pk in names.items() if name in found}

    def rows_by_code(self, codes: Iterable[str]) -> list[FaultCoverage]:
        """The rows of the faults ``codes``, in that order (every code must be in the tree)."""
        codes = list(codes)
        pks = [self.outline.node(code).pk for code in codes]
        rows = self.rows(pks)
        return [rows[pk] for pk in pks]

    def summary(self) -> summaries.CoverageSummary:
        if self.version is None:
            return summaries.coverage_summary(self.data)
        return coverage_cache.cached("summary", lambda: summaries.coverage_summary(self.data), version=self.version)

    def _read(self, names: list[str]) -> dict:
        try:
            return coverage_cache.get_many(names, self.version)
        except Exception:
            log.exception("coverage cache unreachable; computing without it")
            return {}

    def _fill(self) -> dict:
        """Every piece of this data version, computed from the whole computation and stored together."""
        data = self.data
        pieces: dict = {f"row:{row.fault.pk}": row for row in data.rows}
        pieces[OUTLINE] = Outline.of(data)
        if data.cache_version == self.version:  # never store pieces computed from another version under this one
            try:
                coverage_cache.set_many(pieces, self.version)
            except Exception:
                log.exception("coverage cache unreachable; not storing")
        self.__dict__[OUTLINE] = pieces[OUTLINE]
        return pieces


def live() -> LiveCoverage:
    """The live coverage, read lazily piece by piece (see the module docstring)."""
    return LiveCoverage()
