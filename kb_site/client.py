"""The client's address: the one rule every throttle and lockout keys on.

It is DRF's rule (``BaseThrottle.get_ident``) with ``NUM_PROXIES`` set from ``KB_NUM_PROXIES`` (settings), so
the API's throttles, the login lockout and the search throttle cannot disagree:

* ``KB_NUM_PROXIES = 0`` (the default) trusts no header: the address is the TCP peer, ``REMOTE_ADDR``. A
  client-sent ``X-Forwarded-For`` changes nothing.
* ``KB_NUM_PROXIES = n`` (n reverse proxies in front of the app, each appending the address it saw to
  ``X-Forwarded-For``): the n-th address from the right, the one the outermost trusted proxy received the
  request from. Anything a client wrote further left is ignored.
"""

from rest_framework.throttling import BaseThrottle

_RULE = BaseThrottle()


def client_address(request) -> str:
    """The address of the client that sent ``request`` (a Django ``HttpRequest`` or a DRF ``Request``)."""
    return _RULE.get_ident(request) or "unknown"
