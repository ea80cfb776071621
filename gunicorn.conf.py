"""gunicorn's settings for every deployment (read from the working directory: compose, the Dockerfile, the benchmark).

Command-line flags still win (``--workers``, ``--bind``). What this file adds is the garbage collector's part: a
process that has loaded the app and served each page once tracks ~240,000 objects, nearly all of them long-lived
(Django, DRF, plotly's figure classes, the URLconf, the compiled templates). CPython's full collection walks every
one of them, and the request that allocates enough to trigger one pays for all: a pause at random, which is what a
page's 95th and 99th percentile latencies under load show (``bench/findings.md`` has the A/B figures).
``gc.freeze()`` after the app is loaded moves those objects out of the collector's sight for good (they live as long
as the worker anyway); collections then scan only what requests allocate. The device Instagram described for Django
under uWSGI, and what CPython documents ``gc.freeze`` for (call it after loading, before or after ``fork``).
"""

import gc
import os

preload_app = True
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))


def _load_everything() -> None:
    """Import what the first request would otherwise import lazily (URLconf, views, templates' modules), so that
    it is loaded before the freeze instead of being rescanned by every full collection afterwards."""
    from django.conf import settings
    from django.urls import get_resolver

    get_resolver(settings.ROOT_URLCONF).url_patterns  # noqa: B018 -- imports every app's views


def _freeze() -> None:
    _load_everything()
    gc.collect()  # what is garbage now is not kept
    gc.freeze()


def when_ready(server) -> None:
    # With --preload the app is loaded in the master before any worker is forked: the workers inherit the freeze.
    if server.cfg.preload_app:
        _freeze()


def post_worker_init(worker) -> None:
    # Without --preload each worker loads the app itself (with it, this freezes the little loaded since the fork).
    _freeze()
