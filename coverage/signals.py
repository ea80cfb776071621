"""Bump the coverage data version when any data coverage reads changes (see ``coverage/cache.py``).

The receivers live here, on top of the apps whose models they listen to, and are connected from
``CoverageConfig.ready()``: taxonomy, papers and challenges know nothing of the cache. ``FaultMapping`` saves cover
approval, rejection and retraction; its ``methods`` feed the gap map.
"""

from django.db.models.signals import post_migrate

from challenges.models import Artifact, Challenge, ChallengeFault, Interview, InterviewMention
from coverage.cache import bump_data_version, bump_on_change
from coverage.models import Snapshot
from papers.models import Adjudication, CodedMapping, Coding, FaultMapping, Paper
from taxonomy.models import Fault, Method, ReportedFigure, Source


def _after_migrate(sender, **kwargs) -> None:
    # `migrate` and `flush` (which empties every table) both end with post_migrate.
    bump_data_version()


def connect() -> None:
    bump_on_change(Fault, Method, ReportedFigure, Source)
    bump_on_change(Paper, FaultMapping, m2m=(FaultMapping.methods.through,))
    # Codings and adjudications feed the explorer's "depends on a pending adjudication" marks.
    bump_on_change(Coding, CodedMapping, Adjudication)
    bump_on_change(Artifact, Interview, InterviewMention, Challenge, ChallengeFault)
    # A frozen snapshot never changes, but one can be added or deleted: the snapshot pages and diffs that name it
    # are stored per data version like every other public page (coverage/page_cache.py).
    bump_on_change(Snapshot)
    post_migrate.connect(_after_migrate, dispatch_uid="kb-coverage-post-migrate", weak=False)
