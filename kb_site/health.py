"""/healthz: is this app server able to answer? For load balancers, uptime monitors and `docker compose`."""

import logging
import uuid

from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from kb_site.middleware import discard_broken_connections

logger = logging.getLogger(__name__)


def database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        logger.error("healthz: database check failed: %s", exc)
        discard_broken_connections()
        return "error"
    return "ok"


def cache_status() -> str:
    key, value = "kb:healthz", uuid.uuid4().hex
    try:
        cache.set(key, value, 10)
        ok = cache.get(key) == value
    except Exception as exc:  # any backend's connection error (redis.ConnectionError, OSError, ...)
        logger.error("healthz: cache check failed: %s", exc)
        return "error"
    return "ok" if ok else "error"


@never_cache
def healthz(request):
    """{"status", "database", "cache"}: each "ok" or "error"; 200 when all are ok, else 503.

    Error details go to the log, not to the (public) answer.
    """
    checks = {"database": database_status(), "cache": cache_status()}
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503)
