"""API throttles, each for one kind of client."""

from rest_framework.throttling import UserRateThrottle


class SignedInRateThrottle(UserRateThrottle):
    """DRF's ``UserRateThrottle`` (scope ``user``), for signed-in clients only.

    DRF's own class also throttles anonymous clients (by address), beside ``AnonRateThrottle``: every anonymous
    API request then paid two cache reads and two cache writes for one effective limit, the lower anonymous one.
    Anonymous clients are limited by ``AnonRateThrottle`` alone; signed-in ones by this.
    """

    def get_cache_key(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return None  # DRF skips a throttle whose key is None
        return super().get_cache_key(request, view)
