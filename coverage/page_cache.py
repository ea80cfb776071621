"""Public read-only answers cached per data version, with HTTP validators: the standard per-view cache, never stale.

A fault page, a papers or evidence list, a challenge page, the agreement figures and the read-only API lists are the
same for every anonymous visitor until the data changes, and every change to the data they show bumps the coverage
data version (``coverage/cache.py``). So for an anonymous ``GET`` of one of the views named in
``KB_PAGE_CACHE_VIEWS`` this middleware

* answers ``304 Not Modified`` to a request whose ``If-None-Match`` holds the current ETag, without running the view
  (the ETag is a hash of the data version and the request's URL, host and ``Accept``: it changes exactly when the
  answer can);
* otherwise answers from the shared cache the body the view gave for that URL under the current data version, or
  runs the view and stores its answer there (``200`` answers only, that set no cookie, used no CSRF token, were not
  marked private, and are at most ``MAX_BODY`` bytes);
* gives every such answer its ``ETag`` and ``Cache-Control: public, max-age=KB_PAGE_MAX_AGE, must-revalidate``, so
  browsers and a reverse proxy (``bench/load.py`` configures nginx) revalidate it for the price of one cache read.

Visitors with credentials (a session cookie or an ``Authorization`` header) always get the view itself: their
pages differ (the header's account menu, a blind coder's hidden mappings, ``papers.blind``). So do requests carrying
a pending flash message. What a hit skips is the view, and with it the API's per-client throttles (a hit costs one
cache read). With coverage caching off (a process-local cache, ``coverage.cache.enabled``) or the cache unreachable,
every request runs its view. ``bench/findings.md`` gives what it saves.
"""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.http import HttpResponse
from django.urls import get_script_prefix
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers

from coverage import cache as coverage_cache

log = logging.getLogger(__name__)

# Answers larger than this are not stored (the largest listed, the explorer at ~1,100 faults, is 1.15 MB).
MAX_BODY = 2 * 1024 * 1024
# Headers a stored answer keeps (everything else is added again by the middleware around this one).
KEPT_HEADERS = ("Content-Type", "Content-Disposition", "Content-Language", "Link", "Allow", "Vary")
_STATE = "_kb_page_cache"


def _eligible(request) -> bool:
    match = request.resolver_match
    return (
        request.method == "GET"
        and match is not None
        and match.view_name in settings.KB_PAGE_CACHE_VIEWS
        # No credentials at all: a session cookie (signed in, or a session of any kind) or an Authorization header
        # means the view answers; the session is not even read (no query, nothing to fail when the database is down).
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "HTTP_AUTHORIZATION" not in request.META
        and "messages" not in request.COOKIES
        and coverage_cache.enabled()
    )


def _key(request, version: str) -> str:
    """What the answer depends on besides the data: scheme, host and URL prefix (absolute and relative links), full
    path and ``Accept`` (the API negotiates its format on it)."""
    parts = (
        version,
        get_script_prefix(),
        request.scheme,
        request.get_host(),
        request.get_full_path(),
        request.META.get("HTTP_ACCEPT", ""),
    )
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:40]


def _validated(response: HttpResponse, etag: str) -> HttpResponse:
    response["ETag"] = etag
    patch_cache_control(response, public=True, max_age=settings.KB_PAGE_MAX_AGE, must_revalidate=True)
    patch_vary_headers(response, ["Cookie", "Authorization", "Accept"])
    return response


class PublicPageCacheMiddleware:
    """See the module's docstring. Sits after authentication and CSRF, so that their ``process_view`` runs first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not _eligible(request):
            return None
        try:
            version = coverage_cache.data_version()
        except Exception:  # the cache is down: run the view, without validators
            log.warning("page cache: no data version; answering without it")
            return None
        key = _key(request, version)
        etag = f'"{key[:32]}"'
        not_modified = get_conditional_response(request, etag=etag)
        if not_modified is not None:
            return _validated(not_modified, etag)
        try:
            stored = coverage_cache.get_many([f"page:{key}"], version).get(f"page:{key}")
        except Exception:
            stored = None
        if stored is not None:
            content, headers = stored
            response = HttpResponse(content)
            for name, value in headers:
                response[name] = value
            return _validated(response, etag)
        setattr(request, _STATE, (version, key, etag))
        return None

    def __call__(self, request):
        response = self.get_response(request)
        state = getattr(request, _STATE, None)
        if state is None:
            return response
        version, key, etag = state
        if self._storable(request, response):
            headers = [(name, response[name]) for name in KEPT_HEADERS if response.has_header(name)]
            try:
                coverage_cache.set_many({f"page:{key}": (response.content, headers)}, version)
            except Exception:
                log.warning("page cache: could not store %s", request.path)
            return _validated(response, etag)
        return response

    @staticmethod
    def _storable(request, response) -> bool:
        cache_control = response.get("Cache-Control", "")
        return (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
            and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
            and "private" not in cache_control
            and "no-store" not in cache_control
            and len(response.content) <= MAX_BODY
        )
