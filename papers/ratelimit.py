"""The per-user submission rate limit, counted on accepted submissions (the rows saved), so invalid attempts never
lock anyone out: the web form's message, and the API's 429 with ``Retry-After``."""

from __future__ import annotations

import datetime
import math

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


def seconds_until_free(user) -> int | None:
    """Seconds until ``user`` may submit again (their oldest submission in the window leaves it), or None when they
    are under the limit. One query."""
    limit, seconds = submission_rate()
    now = timezone.now()
    window = datetime.timedelta(seconds=seconds)
    recent = Submission.objects.filter(submitter=user, created_at__gte=now - window).order_by("-created_at")
    times = list(recent.values_list("created_at", flat=True)[:limit])
    if len(times) < limit:
        return None
    return max(1, math.ceil((times[-1] + window - now).total_seconds()))


def rate_limit_message(user) -> str | None:
    """A message when ``user`` has reached the submission limit, else None. One query."""
    limit, seconds = submission_rate()
    since = timezone.now() - datetime.timedelta(seconds=seconds)
    if Submission.objects.filter(submitter=user, created_at__gte=since).count() < limit:
        return None
    window = {1: "second", 60: "minute", 3600: "hour", 86400: "day"}.get(seconds, f"{seconds} seconds")
    return f"You have reached the limit of {limit} submissions per {window}; please try again later."
