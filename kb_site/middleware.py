"""Middleware that keeps failures clean: oversize bodies (413), NUL bytes (400), database outages (503), login
floods (429); and keeps answers that differ per user out of shared caches.

Pages get a small HTML page and /api/ gets JSON, never a traceback.
"""

import logging
import sys

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import InterfaceError, OperationalError, connections
from django.http import HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views import defaults

from kb_site import login_throttle
from kb_site.text import invalid_text

logger = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30
FORM_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def wants_json(request) -> bool:
    """API requests (under /api/, or asking for JSON only) get JSON errors; pages get HTML."""
    try:
        api_prefix = reverse("api:api-root")
    except NoReverseMatch:
        api_prefix = "/api/"
    accept = request.META.get("HTTP_ACCEPT", "")
    return request.path.startswith(api_prefix) or accept.startswith("application/json")


def error_response(request, status: int, code: str, message: str, headers: dict | None = None) -> HttpResponse:
    """A JSON ({"detail", "code"}) or stand-alone HTML error answer that needs neither the database nor a session."""
    if wants_json(request):
        response = JsonResponse({"detail": message, "code": code}, status=status)
    else:
        html = render_to_string("503.html", {"status": status, "title": _TITLES[status], "message": message})
        response = HttpResponse(html, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


_TITLES = {
    400: "Bad request",
    413: "Request too large",
    429: "Too many attempts",
    503: "Temporarily unavailable",
}


#
# Request size
#


class RequestLimitsMiddleware:
    """Refuse, before anything reads them, bodies over the size limit (413) and NUL bytes in the URL (400).

    Django limits only form fields (DATA_UPLOAD_MAX_MEMORY_SIZE); DRF's JSON parser reads the raw stream, so
    without this a JSON body of any size would be parsed. The size is judged from Content-Length.
    PostgreSQL text cannot hold a NUL character: a path or query value carrying one (``%00``) would reach a
    query and fail there, so it is refused here, once for every view. So is a form field (name or value) holding
    a NUL or a lone surrogate (``kb_site.text``, the rule the API's JSON parser applies to JSON bodies): a 400
    naming the field, whichever form it was meant for.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return error_response(request, 400, "bad_request", "The Content-Length header is not a number.")
        is_upload = request.META.get("CONTENT_TYPE", "").startswith("multipart/form-data")
        limit = settings.KB_MAX_UPLOAD_SIZE if is_upload else settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and length > limit:
            return error_response(
                request,
                413,
                "request_too_large",
                f"The request body is {length} bytes; the limit is {limit} bytes.",
            )
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or "%00" in query or "\x00" in query:
            return error_response(request, 400, "bad_request", "The address contains a NUL character (%00).")
        if request.method == "POST" and request.content_type in FORM_CONTENT_TYPES:
            try:
                fields = list(request.POST.lists())
            except MultiPartParserError as error:
                return error_response(request, 400, "bad_request", f"The form body cannot be read: {error}")
            for name, values in fields:
                message = next(filter(None, map(invalid_text, [name, *values])), None)
                if message:
                    return error_response(request, 400, "invalid_text", f"Field “{name[:100]}”: {message}")
        return self.get_response(request)


#
# Database outages
#


def database_unavailable(request) -> HttpResponse:
    return error_response(
        request,
        503,
        "database_unavailable",
        "The database is temporarily unavailable. Please try again in a moment.",
        {"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def discard_broken_connections() -> None:
    """Close connections an error left unusable, so the next request opens a fresh one.

    Django does this at the end of each request too (close_old_connections); doing it here as well means a
    persistent connection (CONN_MAX_AGE) never serves a second request in a broken state, whatever signals run.
    """
    for connection in connections.all(initialized_only=True):
        if connection.in_atomic_block:
            continue  # the code that opened the transaction cleans it up
        try:
            connection.close_if_unusable_or_obsolete()
        except DATABASE_ERRORS:
            connection.close()


class DatabaseUnavailableMiddleware:
    """Turn OperationalError/InterfaceError raised while handling a request into a clean 503."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DATABASE_ERRORS):
            return None
        logger.error("Database unavailable while serving %s %s: %s", request.method, request.path, exception)
        discard_broken_connections()
        return database_unavailable(request)


def bad_request(request, exception, *args, **kwargs):
    """handler400: too much form data (Django's own limits) is a 413 like any oversize body; API errors are JSON."""
    if isinstance(exception, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        message = f"The form data is larger than the limit of {limit} bytes."
        return error_response(request, 413, "request_too_large", message)
    if isinstance(exception, (TooManyFieldsSent, TooManyFilesSent)):
        return error_response(request, 400, "bad_request", "The request has too many form fields or files.")
    if wants_json(request):
        return JsonResponse({"detail": "Bad request.", "code": "bad_request"}, status=400)
    return defaults.bad_request(request, exception, *args, **kwargs)


def server_error(request, *args, **kwargs):
    """handler500: a database error raised outside a view (a middleware, a session save) is still a 503."""
    exception = sys.exc_info()[1]
    if isinstance(exception, DATABASE_ERRORS):
        discard_broken_connections()
        return database_unavailable(request)
    if wants_json(request):
        return JsonResponse({"detail": "Server error.", "code": "server_error"}, status=500)
    return defaults.server_error(request, *args, **kwargs)


#
# Login throttling
#


class LoginThrottleMiddleware:
    """Answer 429 when login_throttle.LoginThrottleGate refused the login attempt."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(request, login_throttle.LOCKED_OUT_ATTR, False):
            minutes = max(1, settings.KB_LOGIN_LOCKOUT_SECONDS // 60)
            return error_response(
                request,
                429,
                "too_many_login_attempts",
                f"Too many failed login attempts. Try again in {minutes} minutes.",
                {"Retry-After": str(settings.KB_LOGIN_LOCKOUT_SECONDS)},
            )
        return response


#
# Answers that differ per user
#

# Set on a request by code whose answer depends on who asks (``papers.blind``: a blind coder's pages).
PER_USER_ATTR = "kb_per_user"


class PerUserAnswerMiddleware:
    """An answer that depends on who asks is never reused for someone else: ``Vary: Cookie, Authorization`` so a
    shared cache keys it on the credentials, and ``Cache-Control: private`` (no shared cache stores it at all) when
    a signed-in user got it. Views opt in by setting ``PER_USER_ATTR`` on the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(request, PER_USER_ATTR, False):
            patch_vary_headers(response, ["Cookie", "Authorization"])
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                patch_cache_control(response, private=True)
        return response
