"""Bump the coverage data version when papers or mappings change (see ``taxonomy/cache.py``).

``FaultMapping`` saves cover approval, rejection and retraction; its ``methods`` feed the gap map.
"""

from coverage.cache import bump_on_change
from papers.models import FaultMapping, Paper


def connect() -> None:
    bump_on_change(Paper, FaultMapping, m2m=(FaultMapping.methods.through,))
