"""What the benchmark's modules share: where things are, how to run a command, the app's environment."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
TMP = RESULTS / "tmp"
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
PG_ARGS = ["-h", "127.0.0.1", "-p", "5432", "-U", "postgres", "-X", "-q"]
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/1")
PORT = int(os.environ.get("BENCH_PORT", "8104"))
BASE = f"http://127.0.0.1:{PORT}"
STATIC_URL = "/static/bench/coverage-summary.json"

NGINX_PORT = int(os.environ.get("BENCH_NGINX_PORT", "8105"))
NGINX_BASE = f"http://127.0.0.1:{NGINX_PORT}"


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def run(cmd: list[str], *, env: dict | None = None, capture: bool = False, timeout: float = 1800) -> str:
    result = subprocess.run(
        cmd, cwd=ROOT, env=env, text=True, timeout=timeout, stdout=subprocess.PIPE if capture else None, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"failed ({result.returncode}): {' '.join(cmd)}")
    return result.stdout or ""


def psql(sql: str, db: str = "postgres") -> str:
    return run(["psql", *PG_ARGS, "-d", db, "-At", "-c", sql], capture=True)


def app_env(db: str, *, cache: bool = True, secret: str = "") -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "KB_", "DATABASE_", "REDIS_"))}
    env.update(
        DATABASE_URL=f"{PG_URL}/{db}",
        DATABASE_CONN_MAX_AGE="600",
        DJANGO_SETTINGS_MODULE="bench.settings",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secret or secrets.token_hex(32),
        DJANGO_SECURE_SSL_REDIRECT="false",  # plain HTTP on loopback
        DJANGO_LOG_LEVEL="ERROR",
        REDIS_URL=REDIS_URL,
        # One client address sends every request: lift the per-address API throttles but keep them working (two
        # Redis round trips each). DRF keeps a list of the client's request times over the rate's window; a
        # one-second window keeps that list as short as a real client's (a 1-minute window at this request rate
        # would make it tens of thousands long, an artefact of a single load generator).
        KB_API_ANON_RATE="1000000/second",
        KB_API_USER_RATE="1000000/second",
        KB_SEARCH_RATE="1000000/second",  # the search page's own per-client limit, lifted the same way
        KB_COVERAGE_CACHE="true" if cache else "false",
        PYTHONDONTWRITEBYTECODE="1",
        # WhiteNoise notes that no `collectstatic` output exists; static files come from the finders here.
        PYTHONWARNINGS="ignore:No directory at:UserWarning",
    )
    return env


def manage(args: list[str], db: str, **kw) -> str:
    return run([sys.executable, "manage.py", *args], env=app_env(db), **kw)


def probe(task: list[str], db: str, *, cache: bool = True, timeout: float = 900) -> dict:
    out = run([sys.executable, "-m", "bench.probe", *task], env=app_env(db, cache=cache), capture=True, timeout=timeout)
    return json.loads(out.strip().splitlines()[-1])
