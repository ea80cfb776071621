"""The fault tree in memory: load every node in one query, link them in Python.

The taxonomy is small (about a hundred nodes; a thousand in the synthetic benchmark), so one query plus a
dictionary walk is cheaper and simpler than an MPTT column set.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from taxonomy.models import Fault


@dataclass(eq=False)
class TreeNode:
    fault: Fault
    parent: TreeNode | None = None
    children: list[TreeNode] = field(default_factory=list)
    depth: int = 0

    @property
    def ancestors(self) -> list[TreeNode]:
        """Root first, excluding this node."""
        chain = []
        node = self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain[::-1]

    def walk(self) -> Iterator[TreeNode]:
        """This node and every descendant, depth first, in display order."""
        stack = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.children))

    def descendant_ids(self, include_self: bool = True) -> list[int]:
        ids = [node.fault.pk for node in self.walk()]
        return ids if include_self else ids[1:]


@dataclass
class Tree:
    roots: list[TreeNode]
    by_id: dict[int, TreeNode]
    by_code: dict[str, TreeNode]

    def __iter__(self) -> Iterator[TreeNode]:
        """Every node, depth first, in display order."""
        for root in self.roots:
            yield from root.walk()

    def __len__(self) -> int:
        return len(self.by_id)

    def node(self, code: str) -> TreeNode:
        return self.by_code[code]

    def subtree_ids(self, code: str) -> list[int]:
        return self.by_code[code].descendant_ids()

    def leaves(self) -> list[TreeNode]:
        return [node for node in self if node.fault.kind == Fault.Kind.LEAF]


def build_tree(faults: Iterable[Fault] | None = None) -> Tree:
    """Link faults into a tree. With no argument, loads every fault in one query."""
    if faults is None:
        faults = Fault.objects.tree()
    nodes = {fault.pk: TreeNode(fault=fault) for fault in faults}
    roots = []
    for node in nodes.values():  # insertion order = display order
        parent = nodes.get(node.fault.parent_id)
        if parent is None:
            roots.append(node)
        else:
            node.parent = parent
            parent.children.append(node)
    for root in roots:
        for node in root.walk():
            node.depth = node.parent.depth + 1 if node.parent else 0
    return Tree(roots=roots, by_id=nodes, by_code={node.fault.code: node for node in nodes.values()})
