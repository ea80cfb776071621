"""Bump the coverage data version when papers or mappings change (see ``taxonomy/cache.py``).

``FaultMapping`` saves cover approval, rejection and retraction; its ``methods`` feed the gap map.
"""

from papers.models import FaultMapping, Paper
from taxonomy.cache import bump_on_change


def connect() -> None:
    bump_on_change(Paper, FaultMapping, m2m=(FaultMapping.methods.through,))
