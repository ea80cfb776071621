"""Bump the coverage data version when papers or mappings change (see ``taxonomy/cache.py``).

``FaultMapping`` saves cover approval, rejection and retraction; its ``methods`` feed the gap map.
"""

from papers.models import Adjudication, CodedMapping, Coding, FaultMapping, Paper
from taxonomy.cache import bump_on_change


def connect() -> None:
    # Codings and adjudications feed the "depends on a pending adjudication" marks of the explorer.
    bump_on_change(Paper, FaultMapping, Coding, CodedMapping, Adjudication, m2m=(FaultMapping.methods.through,))
