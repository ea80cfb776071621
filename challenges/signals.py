"""Bump the coverage data version when practitioner evidence or challenges change (see ``taxonomy/cache.py``)."""

from challenges.models import Artifact, Challenge, ChallengeFault, Interview, InterviewMention
from coverage.cache import bump_on_change


def connect() -> None:
    bump_on_change(Artifact, Interview, InterviewMention, Challenge, ChallengeFault)
