"""Throttles, each for one kind of client, counting with an atomic counter where the cache has one.

DRF's ``SimpleRateThrottle`` keeps a list of request times per client and writes it back after every request:
two concurrent requests read the same list and one of the writes is lost, so a burst overshoots the limit.
``CounterThrottle`` counts with ``cache.add`` + ``cache.incr`` instead (atomic in Redis, and under a lock in
Django's local-memory cache) over fixed windows of the rate's length. Requests are keyed on the client address of
``kb_site.client`` (anonymous) or the user (signed in).

With the cache down (Redis stopped), nothing can be counted and every request is let through (README, "Security
model"); the database-backed limits (the submission limit) still hold.
"""

import time

from django.conf import settings
from rest_framework import throttling

from kb_site.client import client_address


class CounterThrottle(throttling.SimpleRateThrottle):
    """A fixed-window counter with the rate, scope and cache key of the DRF throttle it is mixed into."""

    def get_ident(self, request):
        return client_address(request)

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        now = self.timer()
        window = int(now // self.duration)
        key = f"{self.key}:{window}"
        self.window_end = (window + 1) * self.duration
        self.now = now
        # add() creates the window's counter (with its expiry) once; incr() is then atomic. A cache that cannot
        # count (down, or with no incr) gives None or raises ValueError: the request goes through uncounted.
        self.cache.add(key, 0, self.duration)
        try:
            count = self.cache.incr(key)
        except ValueError:
            return True
        return count is None or count <= self.num_requests

    def wait(self):
        return max(0.0, self.window_end - self.now)

    def timer(self):
        return time.time()


class AnonRateThrottle(CounterThrottle, throttling.AnonRateThrottle):
    """DRF's ``AnonRateThrottle`` (scope ``anon``, keyed on the client address), counted atomically."""


class SignedInRateThrottle(CounterThrottle, throttling.UserRateThrottle):
    """DRF's ``UserRateThrottle`` (scope ``user``), for signed-in clients only, counted atomically.

    DRF's own class also throttles anonymous clients (by address), beside ``AnonRateThrottle``: every anonymous
    API request then paid two cache reads and two cache writes for one effective limit, the lower anonymous one.
    Anonymous clients are limited by ``AnonRateThrottle`` alone; signed-in ones by this.
    """

    def get_cache_key(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return None  # DRF skips a throttle whose key is None
        return super().get_cache_key(request, view)


class SearchRateThrottle(CounterThrottle, throttling.UserRateThrottle):
    """The site search page (scope ``search``): per user when signed in, else per client address."""

    scope = "search"

    def get_rate(self):
        return settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][self.scope]  # read at request time (tests override it)


class ClassifyRateThrottle(SearchRateThrottle):
    """The bug-report classifier page (scope ``classify``): CPU-bound, so throttled like the site search."""

    scope = "classify"


def page_throttle(request, throttle: throttling.SimpleRateThrottle, what: str):
    """For an HTML page's expensive action: None when ``throttle`` lets the request through, else the 429 answer
    (with Retry-After) to send instead."""
    from kb_site.middleware import error_response

    if throttle.allow_request(request, None):
        return None
    wait = int(throttle.wait() or 0) + 1
    message = f"Too many {what} from your address; try again in {wait} seconds."
    return error_response(request, 429, "throttled", message, {"Retry-After": str(wait)})
