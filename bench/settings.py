"""The app's own settings plus one static directory holding the benchmark's static-file baseline.

``bench/run.py`` writes the coverage-summary JSON under ``bench/results/tmp/static/`` before it starts gunicorn;
WhiteNoise (the same middleware that serves every static file in production) then serves it at
``/static/bench/coverage-summary.json``. Nothing else differs from ``kb_site.settings``.
"""

from pathlib import Path

from kb_site.settings import *  # noqa: F403
from kb_site.settings import STATICFILES_DIRS

BENCH_STATIC_DIR = Path(__file__).resolve().parent / "results" / "tmp" / "static"
BENCH_STATIC_DIR.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [*STATICFILES_DIRS, ("bench", BENCH_STATIC_DIR)]
