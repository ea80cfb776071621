"""The load benchmark (``make bench``): PostgreSQL at scale 100, the app under gunicorn, wrk from a second process.

Steps, in one run (about 6 minutes at scale 100 on a 2-core machine; bounded by --duration):

1. Databases of its own: ``kb_bench`` (the real fixtures plus ``generate_synthetic --scale N``) and ``kb_bench_s1``
   (the same at scale 1, for queries per request), recreated unless ``--reuse`` finds them already built.
2. The coverage-summary JSON, as the API returns it, written as a static file that the same server serves
   (WhiteNoise, ``bench/settings.py``): the limit for a response.
3. gunicorn (DEBUG off, a random secret, Redis cache on DB 1, persistent database connections) on
   127.0.0.1:8104; wrk (installed with apt if missing) measures each endpoint for --duration seconds at
   --connections connections, after a warm-up.
4. The coverage numbers computed by the hand-written SQL of ``bench/coverage.sql`` in psql (JIT on and off) vs
   the engine's own uncached computation, after checking that both give the same numbers: the limit for
   computation.
5. Queries and time per request at scale 1 and scale N (Django test client, cache on and off); worker memory.

Writes ``bench/results/REPORT.md`` and ``bench/results/report.json``. Loopback only.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
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

TARGETS = {
    "engine_sql_ratio_max": 2.0,
    "page_p95_ms_max": 150.0,
}
# Pages whose target is the p95 budget (every page type and API list a researcher opens). The static file and the
# proxied summary are references, reported but not judged.
REFERENCE_ENDPOINTS = {"static_coverage_summary", "coverage_summary_via_nginx"}


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


#
# Databases
#


def prepare_db(db: str, scale: float, seed: int, reuse: bool) -> dict:
    marker = f"kb-bench scale={scale:g} seed={seed}"
    exists = psql(f"SELECT 1 FROM pg_database WHERE datname = '{db}'").strip() == "1"
    if reuse and exists:
        comment = psql(f"SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '{db}'")
        check = subprocess.run(
            [sys.executable, "manage.py", "migrate", "--check"], cwd=ROOT, env=app_env(db), capture_output=True
        )
        if comment.strip() == marker and check.returncode == 0:
            log(f"reusing {db} ({marker})")
            return {"database": db, "scale": scale, "seed": seed, "reused": True}
    log(f"creating {db}: migrate, load the real fixtures, generate synthetic data at scale {scale:g}")
    psql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    psql(f'CREATE DATABASE "{db}"')
    started = time.monotonic()
    manage(["migrate", "--no-input", "-v0"], db)
    manage(["loaddata", "taxonomy", "papers", "challenges", "-v0"], db)
    loaded = time.monotonic()
    manage(["generate_synthetic", "--scale", f"{scale:g}", "--seed", str(seed)], db)
    generated = time.monotonic()
    psql(f"COMMENT ON DATABASE \"{db}\" IS '{marker}'")
    return {
        "database": db,
        "scale": scale,
        "seed": seed,
        "reused": False,
        "migrate_and_fixtures_s": round(loaded - started, 1),
        "generate_synthetic_s": round(generated - loaded, 1),
    }


def table_sizes(db: str) -> dict:
    rows = psql(
        "SELECT relname, reltuples::bigint FROM pg_class WHERE relname IN ('taxonomy_fault', 'papers_paper', "
        "'papers_faultmapping', 'challenges_artifact', 'challenges_interviewmention') ORDER BY relname",
        db,
    )
    sizes = dict(line.split("|") for line in rows.strip().splitlines())
    size = psql(f"SELECT pg_size_pretty(pg_database_size('{db}'))", db).strip()
    return {"rows_estimate": {k: int(v) for k, v in sizes.items()}, "database_size": size}


#
# Redis, gunicorn, wrk
#


def flush_redis() -> None:
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


def ensure_wrk() -> str:
    path = shutil.which("wrk")
    if path:
        return path
    log("wrk not found: apt-get install -y wrk")
    subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=False, stdout=subprocess.DEVNULL)
    path = shutil.which("wrk")
    if not path:
        raise SystemExit("wrk is needed (apt-get install wrk)")
    return path


class Server:
    def __init__(self, db: str, workers: int):
        self.db, self.workers = db, workers
        self.proc: subprocess.Popen | None = None
        self.logfile = TMP / "gunicorn.log"

    def __enter__(self) -> Server:
        gunicorn = Path(sys.executable).with_name("gunicorn")
        cmd = [
            str(gunicorn),
            "kb_site.wsgi:application",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            str(self.workers),
            "--worker-class",
            "sync",
            "--preload",
            "--timeout",
            "120",
            "--backlog",
            "2048",
            "--error-logfile",
            str(self.logfile),
        ]
        log(f"starting gunicorn ({self.workers} sync workers) on {BASE}")
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=app_env(self.db), start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"gunicorn exited; see {self.logfile}")
            try:
                with urllib.request.urlopen(BASE + "/healthz", timeout=5) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.5)
        raise SystemExit("gunicorn did not answer /healthz within 60 s")

    def __exit__(self, *exc) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()

    def worker_rss_mb(self) -> dict:
        """Resident memory of the master and of each worker (MB), read from /proc."""
        assert self.proc is not None
        master = self.proc.pid
        workers = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == master:
                workers.append(int(stat.parent.name))

        def rss(pid: int) -> float:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return round(int(line.split()[1]) / 1024, 1)
            return 0.0

        per_worker = sorted(rss(pid) for pid in workers)
        return {"master": rss(master), "workers": per_worker, "max_worker": max(per_worker, default=0.0)}


class Nginx:
    """A caching reverse proxy in front of gunicorn (Debian's nginx, loopback only), configured to honour the app's
    own HTTP caching headers: it stores what ``Cache-Control`` allows, for as long as it allows, revalidates with
    ``If-None-Match`` when that runs out, and never caches a response that says ``private`` or ``no-store`` or
    sets a cookie. No expiry of its own is configured, so every hit it serves is one the app allowed."""

    def __init__(self):
        self.prefix = TMP / "nginx"
        self.proc: subprocess.Popen | None = None

    def config(self) -> str:
        return f"""
worker_processes 1;
daemon off;
pid {self.prefix}/nginx.pid;
error_log {self.prefix}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    proxy_cache_path {self.prefix}/cache levels=1:2 keys_zone=kb:10m max_size=100m inactive=10m use_temp_path=off;
    upstream app {{ server 127.0.0.1:{PORT}; keepalive 16; }}
    server {{
        listen 127.0.0.1:{NGINX_PORT};
        location / {{
            proxy_pass http://app;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_cache kb;
            proxy_cache_revalidate on;
            proxy_cache_lock on;
            proxy_cache_use_stale updating;
            add_header X-Cache-Status $upstream_cache_status always;
        }}
    }}
}}
"""

    def __enter__(self) -> Nginx:
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        if not Path(binary).exists():
            log("nginx not found: apt-get install -y nginx-light")
            subprocess.run(["apt-get", "install", "-y", "-q", "nginx-light"], check=False, stdout=subprocess.DEVNULL)
        shutil.rmtree(self.prefix, ignore_errors=True)
        (self.prefix / "cache").mkdir(parents=True)
        conf = self.prefix / "nginx.conf"
        conf.write_text(self.config())
        self.proc = subprocess.Popen([binary, "-p", str(self.prefix), "-c", str(conf)], start_new_session=True)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(NGINX_BASE + "/healthz", timeout=5):
                    return self
            except OSError:
                time.sleep(0.3)
        raise SystemExit(f"nginx did not answer; see {self.prefix}/error.log")

    def __exit__(self, *exc) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()

    @staticmethod
    def cache_status(path: str) -> str:
        with urllib.request.urlopen(NGINX_BASE + path, timeout=30) as response:
            response.read()
            return response.headers.get("X-Cache-Status", "")


def cpu_busy(seconds: float = 1.0) -> float:
    """Share of all CPUs busy over ``seconds`` (from /proc/stat): what else is running on the machine."""

    def sample() -> tuple[int, int]:
        fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        return sum(fields), fields[3] + fields[4]  # total, idle + iowait

    total0, idle0 = sample()
    time.sleep(seconds)
    total1, idle1 = sample()
    return round(1 - (idle1 - idle0) / max(1, total1 - total0), 2)


def wait_quiet(max_wait: float, threshold: float = 0.25) -> float:
    """Wait (up to ``max_wait`` s) until other work on the machine uses under ``threshold`` of its CPUs."""
    deadline = time.monotonic() + max_wait
    busy = cpu_busy()
    while busy >= threshold and time.monotonic() < deadline:
        log(f"machine busy ({busy:.0%} of CPUs): waiting before measuring")
        busy = cpu_busy(3)
    return busy


def wrk(url: str, *, duration: int, connections: int, warmup: int = 3) -> dict:
    binary = ensure_wrk()
    script = str(BENCH / "report.lua")
    if warmup:
        subprocess.run(
            [binary, "-t1", f"-c{connections}", f"-d{warmup}s", "--timeout", "60s", url],
            check=False,
            stdout=subprocess.DEVNULL,
        )
    out = subprocess.run(
        [binary, "-t1", f"-c{connections}", f"-d{duration}s", "--timeout", "60s", "-s", script, url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    line = next(line for line in out.splitlines() if line.startswith("BENCH-JSON "))
    raw = json.loads(line.removeprefix("BENCH-JSON "))
    seconds = raw["duration_us"] / 1e6
    lat = raw["latency_us"]
    return {
        "requests": raw["requests"],
        "rps": round(raw["requests"] / seconds, 1),
        "p50_ms": round(lat["p50"] / 1000, 1),
        "p95_ms": round(lat["p95"] / 1000, 1),
        "p99_ms": round(lat["p99"] / 1000, 1),
        "max_ms": round(lat["max"] / 1000, 1),
        "mean_ms": round(lat["mean"] / 1000, 1),
        "kb_per_response": round(raw["bytes"] / max(1, raw["requests"]) / 1024, 1),
        "errors": raw["errors"],
    }


#
# SQL baseline vs engine
#

TIME_RE = re.compile(r"^Time: ([0-9.]+) ms", re.M)


def sql_times(db: str, runs: int, jit: str) -> list[float]:
    """Times (ms) of ``runs`` warm runs of bench/coverage.sql in one psql session, after one warm-up run."""
    args = ["psql", *PG_ARGS, "-d", db, "-c", f"SET jit = {jit}", "-c", r"\timing on", "-c", r"\o /dev/null"]
    for _ in range(runs + 1):
        args += ["-f", str(BENCH / "coverage.sql")]
    out = run(args, capture=True)
    return [float(t) for t in TIME_RE.findall(out)][-runs:]


def computation(db: str, runs: int, rounds: int) -> dict:
    """SQL (JIT off) and engine timed in alternating rounds, so both see the same background load; the ratio is
    the median of the rounds' ratios. JIT on is timed once, for reference."""
    sql_runs, engine_runs, db_ms, ratios = [], [], [], []
    engine: dict = {}
    for _ in range(rounds):
        sql = sql_times(db, runs, "off")
        engine = probe(["engine", str(runs)], db, cache=False)
        sql_runs += sql
        engine_runs += engine["runs_ms"]
        db_ms.append(engine["db_median_ms"])
        ratios.append(round(engine["median_ms"] / statistics.median(sql), 2))
    jit_on = sql_times(db, min(runs, 3), "on")
    numbers = run(
        ["psql", *PG_ARGS, "-d", db, "-At", "-c", "SET jit = off", "-f", str(BENCH / "coverage.sql")], capture=True
    )
    return {
        "sql": {
            "jit_off": {"runs_ms": sql_runs, "median_ms": round(statistics.median(sql_runs), 1)},
            "jit_on": {"runs_ms": jit_on, "median_ms": round(statistics.median(jit_on), 1)},
        },
        "engine": {
            "runs_ms": engine_runs,
            "median_ms": round(statistics.median(engine_runs), 1),
            "db_median_ms": round(statistics.median(db_ms), 1),
            "queries": engine["queries"],
        },
        "round_ratios": ratios,
        "ratio": statistics.median(ratios),
        "differences": compare_numbers(engine["numbers"], json.loads(numbers.strip().splitlines()[-1])),
    }


def compare_numbers(engine: dict, sql: dict) -> list[str]:
    """Differences between the engine's figures and the SQL's (empty when they agree)."""
    diffs = []
    sql_rows = {row["code"]: row for row in sql["rows"]}
    for row in engine["rows"]:
        other = sql_rows.pop(row["code"], None)
        if other is None:
            diffs.append(f"{row['code']}: missing from the SQL result")
            continue
        for key, value in row.items():
            if other.get(key) != value:
                diffs.append(f"{row['code']}.{key}: engine {value!r}, SQL {other.get(key)!r}")
    diffs += [f"{code}: missing from the engine result" for code in sql_rows]
    if engine["summary"] != sql["summary"]:
        diffs.append(f"summary: engine {engine['summary']!r}, SQL {sql['summary']!r}")
    return diffs


#
# Report
#


def machine() -> dict:
    pg = psql("SHOW server_version").strip()
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "postgresql": pg,
        "platform": platform.platform(),
        "loadavg_at_start": os.getloadavg(),
    }


def verdicts(report: dict) -> dict:
    load = report["load"]
    ratio_engine = report["computation"]["ratio"]
    queries = report["queries_per_request"]
    same = all(
        queries[f"scale_1_{mode}"][name]["queries"] == queries[f"scale_n_{mode}"][name]["queries"]
        for mode in ("cached", "uncached")
        for name in queries["scale_1_cached"]
    )
    budget = TARGETS["page_p95_ms_max"]
    out = {
        "engine_sql_ratio": {
            "value": round(ratio_engine, 2),
            "target": f"<= {TARGETS['engine_sql_ratio_max']}",
            "met": ratio_engine <= TARGETS["engine_sql_ratio_max"],
        },
        "queries_independent_of_scale": {"value": same, "target": "same at scale 1 and N", "met": same},
    }
    for name, result in load.items():
        if name in REFERENCE_ENDPOINTS:
            continue
        ok = result["p95_ms"] <= budget and not sum(result["errors"].values()) and result.get("status") == 200
        out[f"p95_ms:{name}"] = {"value": result["p95_ms"], "target": f"<= {budget:g}", "met": ok}
    return out


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def write_report(report: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "report.json").write_text(json.dumps(report, indent=2, default=str) + "\n")
    v = report["verdicts"]
    cfg = report["config"]
    lines = [
        "# Benchmark report",
        "",
        f"Generated by `make bench` (`python bench/run.py`) on {report['generated_at']}: scale {cfg['scale']:g} "
        f"(seed {cfg['seed']}), {cfg['workers']} gunicorn sync workers, wrk with {cfg['connections']} connections "
        f"for {cfg['duration']} s per endpoint after a warm-up, on {report['machine']['cpus']} CPUs "
        f"(PostgreSQL {report['machine']['postgresql']}, Python {report['machine']['python']}). wrk, gunicorn, "
        "nginx, PostgreSQL and Redis share the same CPUs over loopback. The API throttles stay on with their limits "
        "raised to 1,000,000 requests per second (one address sends every request). Raw numbers: "
        "[report.json](report.json).",
        "",
        "## Targets",
        "",
        "| target | measured | goal | met |",
        "|---|---|---|---|",
        f"| uncached coverage computation / hand-written SQL (median of alternating rounds) | "
        f"{v['engine_sql_ratio']['value']} | {v['engine_sql_ratio']['target']} | "
        f"{_yes(v['engine_sql_ratio']['met'])} |",
        f"| queries per request independent of scale | {_yes(v['queries_independent_of_scale']['value'])} | "
        f"{v['queries_independent_of_scale']['target']} | {_yes(v['queries_independent_of_scale']['met'])} |",
    ]
    for key, verdict in v.items():
        if key.startswith("p95_ms:"):
            name = key.split(":", 1)[1]
            lines.append(
                f"| p95 (ms) under load: {name} (`{report['urls'][name]}`) | {verdict['value']} | {verdict['target']} "
                f"| {_yes(verdict['met'])} |"
            )
    data = report["data"]
    lines += [
        "",
        "## Data",
        "",
        f"`{data['database']}`: the real seed plus `generate_synthetic --scale {cfg['scale']:g} --seed "
        f"{cfg['seed']}` ({'reused' if data['reused'] else 'built in this run'}"
        + (
            f": migrate + seed {data['migrate_and_fixtures_s']} s, synthetic data {data['generate_synthetic_s']} s"
            if not data["reused"]
            else ""
        )
        + f"); database size {data['database_size']}.",
        "",
        "| table | rows |",
        "|---|---|",
        *[f"| {name} | {n:,} |" for name, n in data["rows_estimate"].items()],
        "",
        "## Load (wrk)",
        "",
        "Every URL below was requested by wrk against gunicorn (the nginx row: through the caching reverse proxy).",
        "",
        "| endpoint | URL | status | req/s | p50 ms | p95 ms | p99 ms | KB/response | errors | other CPU load before |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, result in report["load"].items():
        errors = sum(result["errors"].values())
        lines.append(
            f"| {name} | `{report['urls'][name]}` | {result.get('status', '')} | {result['rps']} | {result['p50_ms']} "
            f"| {result['p95_ms']} | {result['p99_ms']} | {result['kb_per_response']} | {errors} | "
            f"{result['cpu_busy_before']:.0%} |"
        )
    summary = report.get("coverage_summary", {})
    if summary:
        lines += [
            "",
            "## The coverage summary: from the app, through a caching reverse proxy, and as a static file",
            "",
            "`/api/coverage/` answers with a strong `ETag` (the data version) and `Cache-Control: public, max-age=…`; "
            "nginx (configured by the benchmark on loopback, no expiry of its own) stores it for as long as the app "
            "allows and revalidates with `If-None-Match`. Cache status seen through nginx: "
            f"{summary['nginx_cache_status']}. "
            f"A conditional request with the current ETag answered {summary['conditional_status']}.",
            "",
            "| response | req/s | p50 ms | p95 ms |",
            "|---|---|---|---|",
            *[
                f"| {label} | {report['load'][name]['rps']} | {report['load'][name]['p50_ms']} | "
                f"{report['load'][name]['p95_ms']} |"
                for name, label in (
                    ("coverage_summary_api", "`/api/coverage/` from gunicorn (DRF)"),
                    ("coverage_summary_via_nginx", "the same URL through nginx"),
                    ("static_coverage_summary", "the same JSON as a static file (WhiteNoise)"),
                )
                if name in report["load"]
            ],
        ]
    comp = report["computation"]
    lines += [
        "",
        "## Computation: engine vs hand-written SQL",
        "",
        f"The same numbers (every fault's row and the summary) from `bench/coverage.sql` in psql and from "
        f"`coverage.compute(use_cache=False)` + `coverage_summary()`, in {cfg['rounds']} alternating rounds of "
        f"{cfg['runs']} warm runs each (ratios per round: {comp['round_ratios']}). "
        f"Numbers agree: **{'yes' if not comp['differences'] else 'NO'}**"
        + (f" ({len(comp['differences'])} differences, first: {comp['differences'][0]})" if comp["differences"] else "")
        + ".",
        "",
        "| computation | median ms | runs (ms) |",
        "|---|---|---|",
        f"| hand-written SQL, JIT off | {comp['sql']['jit_off']['median_ms']} | {comp['sql']['jit_off']['runs_ms']} |",
        f"| hand-written SQL, JIT on (server default) | {comp['sql']['jit_on']['median_ms']} | "
        f"{comp['sql']['jit_on']['runs_ms']} |",
        f"| engine, uncached ({comp['engine']['queries']} queries; {comp['engine']['db_median_ms']} ms of it in "
        f"the database) | {comp['engine']['median_ms']} | {comp['engine']['runs_ms']} |",
        "",
        "## Queries and time per request (Django test client, one process)",
        "",
        "| page | queries, scale 1 (cached / uncached) | queries, scale "
        f"{cfg['scale']:g} (cached / uncached) | ms scale 1 (cached / uncached) | ms scale {cfg['scale']:g} "
        "(cached / uncached) |",
        "|---|---|---|---|---|",
    ]
    q = report["queries_per_request"]
    for name in q["scale_1_cached"]:
        a, b = q["scale_1_cached"][name], q["scale_1_uncached"][name]
        c, d = q["scale_n_cached"][name], q["scale_n_uncached"][name]
        lines.append(
            f"| {name} | {a['queries']} / {b['queries']} | {c['queries']} / {d['queries']} | {a['ms']} / {b['ms']} | "
            f"{c['ms']} / {d['ms']} |"
        )
    change = report.get("cost_of_change")
    if change:
        lines += [
            "",
            "## Cost of a change",
            "",
            *[f"- {line}" for line in change["lines"]],
        ]
    backup = report.get("backup")
    if backup:
        lines += [
            "",
            "## Backups at scale",
            "",
            "| step | seconds | peak memory (MB) | size |",
            "|---|---|---|---|",
            *[
                f"| {row['step']} | {row['seconds']} | {row['peak_mb']} | {row.get('size', '')} |"
                for row in backup["rows"]
            ],
            "",
            backup["note"],
        ]
    mem = report["memory_mb"]
    lines += [
        "",
        "## Memory",
        "",
        f"gunicorn master {mem['after']['master']} MB; workers after the load {mem['after']['workers']} MB (max "
        f"{mem['after']['max_worker']} MB), after warm-up {mem['before']['workers']} MB.",
        "",
        "## Findings",
        "",
        *report.get("findings", []),
        "",
    ]
    path = RESULTS / "REPORT.md"
    path.write_text("\n".join(lines))
    return path


def timed(cmd: list[str], env: dict) -> dict:
    """Wall time and peak resident memory of one command (GNU time's maximum RSS)."""
    fmt = "BENCH-TIME %e %M"
    result = subprocess.run(
        ["/usr/bin/time", "-f", fmt, *cmd], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{result.stderr[-2000:]}")
    line = next(line for line in result.stderr.splitlines() if line.startswith("BENCH-TIME "))
    seconds, kb = line.split()[1:]
    return {"seconds": round(float(seconds), 1), "peak_mb": round(int(kb) / 1024, 1)}


def backup(db: str) -> dict:
    """export_dataset of the scale-N database, then import_dataset of that file into an empty database."""
    path = TMP / "backup.json"
    out = timed([sys.executable, "manage.py", "export_dataset", "--output", str(path)], app_env(db))
    restore = "kb_bench_restore"
    psql(f'DROP DATABASE IF EXISTS "{restore}" WITH (FORCE)')
    psql(f'CREATE DATABASE "{restore}"')
    manage(["migrate", "--no-input", "-v0"], restore)
    back = timed([sys.executable, "manage.py", "import_dataset", str(path)], app_env(restore))
    same = (
        psql("SELECT count(*) FROM papers_faultmapping", restore).strip()
        == psql("SELECT count(*) FROM papers_faultmapping", db).strip()
    )
    size = f"{path.stat().st_size / 1024 / 1024:.0f} MB"
    path.unlink()
    psql(f'DROP DATABASE IF EXISTS "{restore}" WITH (FORCE)')
    return {
        "rows": [
            {"step": "export_dataset (scale-N database to a JSON file)", **out, "size": size},
            {"step": "import_dataset (that file into an empty, migrated database)", **back},
        ],
        "note": f"The restored database has the same number of mappings as the original: {_yes(same)}.",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--duration", type=int, default=8, help="seconds of load per endpoint")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--runs", type=int, default=5, help="timed runs of the SQL and of the engine per round")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of the SQL/engine ratio")
    parser.add_argument("--reuse", action="store_true", help="keep kb_bench databases built by an earlier run")
    parser.add_argument("--skip-backup", action="store_true", help="skip the export/restore measurement")
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=60,
        help="before each measurement, wait up to this many seconds for other work on the machine to stop",
    )
    args = parser.parse_args()

    started = time.monotonic()
    TMP.mkdir(parents=True, exist_ok=True)
    ensure_wrk()
    report: dict = {
        "generated_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "config": vars(args),
        "targets": TARGETS,
        "machine": machine(),
    }
    db, db1 = "kb_bench", "kb_bench_s1"
    report["data"] = {**prepare_db(db, args.scale, args.seed, args.reuse), **table_sizes(db)}
    prepare_db(db1, 1, args.seed, args.reuse)
    flush_redis()

    log("choosing the pages to load and writing the static coverage summary")
    targets1 = probe(["targets", "--no-static"], db1)
    targets = probe(["targets", "--fault", targets1["fault_page"].split("/")[2]], db)
    pages = {name: url for name, url in targets.items() if isinstance(url, str) and url.startswith("/")}
    pages1 = {name: url for name, url in targets1.items() if isinstance(url, str) and url.startswith("/")}
    urls = {
        "coverage_summary_api": "/api/coverage/",
        "fault_coverage_api": "/api/coverage/faults/",
        "explorer": "/faults/",
        "coverage_dashboard": "/coverage/",
        **pages,
        "static_coverage_summary": STATIC_URL,
        "coverage_summary_via_nginx": "/api/coverage/",
    }
    report["urls"] = urls

    report["cpu_busy_before_computation"] = wait_quiet(args.wait_quiet)
    log("computation: hand-written SQL vs the engine (uncached)")
    report["computation"] = computation(db, args.runs, args.rounds)

    log("queries per request at scale 1 and scale N")
    fixed = {k: v for k, v in urls.items() if k not in pages and k not in REFERENCE_ENDPOINTS}
    queries: dict = {}
    for label, database, page_urls in (("scale_1", db1, {**fixed, **pages1}), ("scale_n", db, {**fixed, **pages})):
        for mode, cache in (("cached", True), ("uncached", False)):
            flush_redis()
            measured = probe(["queries", *page_urls.values()], database, cache=cache)
            queries[f"{label}_{mode}"] = {name: measured[url] for name, url in page_urls.items()}
    report["queries_per_request"] = queries

    log("cost of a change: approval to the next fresh coverage answer")
    report["cost_of_change"] = probe(["change"], db, cache=True, timeout=1800)

    flush_redis()
    with Server(db, args.workers) as server, Nginx() as nginx:
        for name, url in urls.items():  # every worker fills the shared cache before measuring
            base = NGINX_BASE if name == "coverage_summary_via_nginx" else BASE
            for _ in range(args.workers * 2):
                urllib.request.urlopen(base + url, timeout=300).read()
        before = server.worker_rss_mb()
        load = {}
        for name, url in urls.items():
            base = NGINX_BASE if name == "coverage_summary_via_nginx" else BASE
            busy = wait_quiet(args.wait_quiet)
            with urllib.request.urlopen(base + url, timeout=300) as response:
                status = response.status
            log(f"wrk {name}: {url}")
            load[name] = {
                **wrk(base + url, duration=args.duration, connections=args.connections, warmup=2),
                "status": status,
                "cpu_busy_before": busy,
            }
        report["load"] = load
        etag = urllib.request.urlopen(BASE + "/api/coverage/", timeout=30).headers.get("ETag", "")
        try:
            conditional = urllib.request.urlopen(
                urllib.request.Request(BASE + "/api/coverage/", headers={"If-None-Match": etag}), timeout=30
            ).status
        except urllib.error.HTTPError as error:  # urllib raises on 304
            conditional = error.code
        report["coverage_summary"] = {
            "nginx_cache_status": nginx.cache_status("/api/coverage/") or "none",
            "conditional_status": conditional,
        }
        report["memory_mb"] = {"before": before, "after": server.worker_rss_mb()}

    if not args.skip_backup:
        log("backups: export and restore at scale N")
        report["backup"] = backup(db)

    report["verdicts"] = verdicts(report)
    report["elapsed_s"] = round(time.monotonic() - started, 1)
    findings_file = BENCH / "findings.md"
    if findings_file.exists():
        report["findings"] = findings_file.read_text().splitlines()
    path = write_report(report)
    log(f"done in {report['elapsed_s']} s: {path.relative_to(ROOT)}")
    for name, verdict in report["verdicts"].items():
        log(f"  {name}: {verdict['value']} (goal {verdict['target']}) {'met' if verdict['met'] else 'NOT met'}")


if __name__ == "__main__":
    main()
