"""Cached coverage, keyed on a data version that every change to the data it is computed from bumps.

A cached figure is never stale because nothing is ever invalidated in place: every entry's key contains the
current *data version*, a random token kept in the shared cache. Any change that can alter a figure (a mapping
approved, retracted or edited, a fault added, evidence imported, a fixture loaded, synthetic data generated)
calls ``bump_data_version()``, which replaces the token **after the transaction commits**; the next read
then misses and recomputes from committed data. Entries under old tokens are never read again and expire.

Why after commit: bumping inside the transaction would let a concurrent request read the new token, compute
from the not-yet-committed (old) rows and store that old figure under the new token.

Signal receivers (``coverage/signals.py``, connected to the other apps' models from ``CoverageConfig.ready``) bump on
``post_save``/``post_delete``/``m2m_changed`` of every model coverage reads; code that writes with
``QuerySet.update()``, ``bulk_create`` or raw SQL (and so sends no signal) must call ``bump_data_version()``
itself.

Where the cache lives: the configured Django cache. With Redis (``REDIS_URL``) the token and the entries are
shared by every worker and host, so one bump is seen everywhere. The default local-memory cache is private to
one process, so a bump made by another process (a management command, another gunicorn worker) would go
unseen: caching is therefore **off** with a process-local backend unless ``KB_COVERAGE_CACHE = True`` says
otherwise (one process, tests). ``KB_COVERAGE_CACHE = False`` turns it off everywhere.

Entries are read and stored with the cache's public ``get_or_set``; nothing is kept in the process.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.urls import get_script_prefix

log = logging.getLogger(__name__)

T = TypeVar("T")

# Entries under a live token are valid forever; the timeout only bounds how long dead ones linger and, should a
# bump ever be lost (the cache unreachable at that moment), how long a figure could lag behind.
TIMEOUT = 60 * 60


def enabled() -> bool:
    """Whether coverage is cached: ``KB_COVERAGE_CACHE`` if set, else only with a cache shared by processes."""
    setting = getattr(settings, "KB_COVERAGE_CACHE", None)
    if setting is not None:
        return bool(setting)
    return not isinstance(caches["default"], (LocMemCache, DummyCache))


def _namespace() -> str:
    # Several databases may share one Redis (benchmark, CI, dev): keep their versions and entries apart.
    return f"kb:{settings.DATABASES['default']['NAME']}"


class CacheUnavailable(Exception):
    """The shared cache cannot be read: compute without it."""


def data_version() -> str:
    """The current data version token (created on first use; a fresh random token if the cache lost it)."""
    key = f"{_namespace()}:data-version"
    version = cache.get(key)
    if version is None:
        cache.add(key, uuid.uuid4().hex, timeout=None)
        version = cache.get(key)
    if version is None:
        # A cache that swallows its errors (django-redis with IGNORE_EXCEPTIONS, Redis down) reads as empty: no
        # version means no caching at all, or a per-process memo keyed on None would outlive the next change.
        raise CacheUnavailable("the cache holds no coverage data version (unreachable?)")
    return version


def _bump() -> None:
    try:
        cache.set(f"{_namespace()}:data-version", uuid.uuid4().hex, timeout=None)
    except Exception:  # the cache is down: reads fall back to computing (see cached), entries expire by TIMEOUT
        log.exception("could not bump the coverage data version")


def bump_data_version() -> None:
    """Mark every cached figure out of date, once the current transaction commits (at once outside one).

    A fresh random token, not a counter: a token is never reused, even if the cache was flushed meanwhile. A
    transaction that changes many rows bumps once per row at commit (one cache write each); a rolled-back one never.
    """
    transaction.on_commit(_bump, robust=True)


def cached(name: str, build: Callable[[], T], *, version: str | None = None) -> T:
    """``build()``'s value for the data ``version`` (the current one by default): from the cache, or built and stored.

    Computes without caching when caching is off or the cache cannot be reached.
    """
    if not enabled():
        return build()
    try:
        version = version or data_version()
        return cache.get_or_set(_key(version, name), build, timeout=TIMEOUT)
    except Exception:
        log.exception("coverage cache unreachable; computing without it")
        return build()


def _key(version: str, name: str) -> str:
    return f"{_namespace()}:coverage:{version}:{name}"


def get_many(names: list[str], version: str) -> dict[str, object]:
    """The entries of ``names`` stored for the data ``version`` (one cache round trip); missing ones are absent."""
    keys = {_key(version, name): name for name in names}
    return {keys[key]: value for key, value in cache.get_many(list(keys)).items()}


def set_many(entries: dict[str, object], version: str) -> None:
    """Store ``entries`` (name -> value) for the data ``version`` in one cache round trip."""
    cache.set_many({_key(version, name): value for name, value in entries.items()}, timeout=TIMEOUT)


def versioned(name: str, build: Callable[[], T]) -> tuple[str | None, T]:
    """``cached(name, build)`` and the data version it belongs to (None when caching is off or unreachable)."""
    if not enabled():
        return None, build()
    try:
        version = data_version()
    except Exception:
        log.exception("coverage cache unreachable; computing without it")
        return None, build()
    return version, cached(name, build, version=version)


def fragment(enabled_here: bool = True, version: str | None = None) -> dict:
    """Arguments for a template ``{% cache timeout name key %}`` around markup computed only from coverage data.

    ``{"timeout": TIMEOUT, "key": <data version>}`` when coverage caching is on (and ``enabled_here``), else a
    timeout of 0, which Django's cache tag treats as "do not store", so the fragment is rendered every time.
    Pass the ``version`` the page's data was read under (``CoverageData.cache_version``) so the markup is stored
    under the version it was built from.
    """
    if enabled_here and enabled():
        try:
            # Fragments hold absolute URLs: deployments under different URL prefixes sharing one Redis (and one
            # database name) must not share them, so the script prefix is part of the key.
            return {"timeout": TIMEOUT, "key": f"{version or data_version()}:{get_script_prefix()}"}
        except Exception:
            log.exception("coverage cache unreachable; rendering without it")
    return {"timeout": 0, "key": ""}


def _on_change(sender, **kwargs) -> None:
    if kwargs.get("action", "post_").startswith("post_"):
        bump_data_version()


def bump_on_change(*models, m2m: tuple = ()) -> None:
    """Bump the data version whenever a row of ``models`` is saved or deleted, or an ``m2m`` through table changes.

    Called from each app's ``ready()``; covers admin edits, approvals and ``loaddata`` (raw saves send signals too).
    """
    for model in models:
        uid = f"kb-coverage-{model.__module__}.{model.__name__}"
        post_save.connect(_on_change, sender=model, dispatch_uid=f"{uid}-save", weak=False)
        post_delete.connect(_on_change, sender=model, dispatch_uid=f"{uid}-delete", weak=False)
    for through in m2m:
        m2m_changed.connect(
            _on_change,
            sender=through,
            dispatch_uid=f"kb-coverage-{through.__module__}.{through.__name__}-m2m",
            weak=False,
        )
