"""Login throttling: too many failed logins from one client address lock that address out for a while.

Every login path calls ``django.contrib.auth.authenticate(request, ...)`` (the login form, the admin, the API
token endpoint), so the check lives in an authentication backend and the count in the ``user_login_failed``
signal; no view needs to know. The client address is ``kb_site.client``'s, the rule of every throttle.
Limits: ``KB_LOGIN_FAILURE_LIMIT`` failures per address and username, four times that per address over all
usernames, for ``KB_LOGIN_LOCKOUT_SECONDS`` from the first failure. While locked out no password is checked;
``kb_site.middleware.LoginThrottleMiddleware`` turns the answer into a 429. With the cache down nothing is
counted and no address is locked out (README, "Security model").
"""

import hashlib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.dispatch import receiver

from kb_site.client import client_address

LOCKED_OUT_ATTR = "_kb_login_locked_out"
PER_ADDRESS_FACTOR = 4


def _http_request(request):
    """The Django HttpRequest under a DRF Request (which the token endpoint passes to authenticate)."""
    return getattr(request, "_request", request)


def _keys(request, username) -> tuple[str, str]:
    address = client_address(_http_request(request))
    name = str(username or "").strip().lower()[:150]
    digest = hashlib.sha256(f"{address}\n{name}".encode()).hexdigest()
    return f"kb:login-fail:{digest}", f"kb:login-fail-addr:{hashlib.sha256(address.encode()).hexdigest()}"


def is_locked_out(request, username) -> bool:
    limit = settings.KB_LOGIN_FAILURE_LIMIT
    per_user, per_address = _keys(request, username)
    counts = cache.get_many([per_user, per_address])
    return counts.get(per_user, 0) >= limit or counts.get(per_address, 0) >= limit * PER_ADDRESS_FACTOR


def _bump(key: str) -> None:
    # add() starts the window at the first failure; incr() keeps its expiry.
    if not cache.add(key, 1, settings.KB_LOGIN_LOCKOUT_SECONDS):
        try:
            cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.add(key, 1, settings.KB_LOGIN_LOCKOUT_SECONDS)


def record_failure(request, username) -> None:
    for key in _keys(request, username):
        _bump(key)


def clear_failures(request, username) -> None:
    cache.delete(_keys(request, username)[0])


@receiver(user_login_failed, dispatch_uid="kb_site.login_throttle.count_failure")
def count_failure(sender, credentials, request=None, **kwargs):
    # Logins without a request (the test client's login(), shell scripts) are not throttled.
    if request is not None and not getattr(_http_request(request), LOCKED_OUT_ATTR, False):
        record_failure(request, credentials.get("username"))


@receiver(user_logged_in, dispatch_uid="kb_site.login_throttle.reset_on_login")
def reset_on_login(sender, request, user, **kwargs):
    if request is not None:
        clear_failures(request, user.get_username())


class LoginThrottleGate:
    """First entry of AUTHENTICATION_BACKENDS: refuses every login attempt from a locked-out client address.

    It never authenticates anyone itself (ModelBackend, next in the list, checks the password), and has no
    ``get_user`` so sessions and the test client's force_login() keep using ModelBackend.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if request is not None and is_locked_out(request, username):
            setattr(_http_request(request), LOCKED_OUT_ATTR, True)
            # PermissionDenied stops authenticate() before any backend checks the password.
            raise PermissionDenied("too many failed logins")
        return None
