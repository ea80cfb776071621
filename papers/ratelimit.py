"""The per-user submission rate limit: the web form's message, and the rate the API's throttle uses (same scope)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone
from rest_framework.throttling import SimpleRateThrottle

from papers.models import Submission


def submission_rate_setting() -> str:
    """``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["submissions"]`` (e.g. ``30/hour``), read at call time."""
    return settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["submissions"]


def submission_rate() -> tuple[int, int]:
    """(submissions, seconds) of the submission rate limit."""
    return SimpleRateThrottle.parse_rate(None, submission_rate_setting())


def rate_limit_message(user) -> str | None:
    """A message when ``user`` has reached the submission limit, else None. One query."""
    limit, seconds = submission_rate()
    since = timezone.now() - datetime.timedelta(seconds=seconds)
    if Submission.objects.filter(submitter=user, created_at__gte=since).count() < limit:
        return None
    window = {1: "second", 60: "minute", 3600: "hour", 86400: "day"}.get(seconds, f"{seconds} seconds")
    return f"You have reached the limit of {limit} submissions per {window}; please try again later."
