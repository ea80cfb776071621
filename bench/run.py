"""The load benchmark (``make bench``): PostgreSQL at scale 100, the app under gunicorn, wrk from a second process.

Run it as ``python -m bench.run`` from the repository root. Steps, in one run (about 10 minutes at scale 10 on a
2-core machine, an estimated 30-50 at scale 100; bounded by --duration):

1. Databases of its own: ``kb_bench`` (seed release 1, ``generate_synthetic --scale N``, then a timed ``seed
   upgrade`` to the shipped release) and ``kb_bench_s1`` (the same at scale 1, for queries per request), recreated
   unless ``--reuse`` finds them already built; their search index is rebuilt (timed) here and after step 6's
   approval, as the first search after a change would otherwise rebuild it inside a request.
2. The coverage-summary JSON, as the API returns it, written as a static file that the same server serves
   (WhiteNoise, ``bench/settings.py``): the limit for a response.
3. gunicorn (DEBUG off, a random secret, Redis cache on DB 1, persistent database connections) on
   127.0.0.1:8104, and a caching nginx in front of it on 127.0.0.1:8105 (``bench/load.py``); wrk (installed with
   apt if missing) measures every page type and API list (``bench/probe.py targets``) for --duration seconds at
   --connections connections, after a warm-up; each must answer 200 with p95 within the budget.
4. The coverage numbers computed by the hand-written SQL of ``bench/coverage.sql`` in psql (JIT on and off) vs
   the engine's own uncached computation, after checking that both give the same numbers: the limit for
   computation.
5. Queries and time per request at scale 1 and scale N (Django test client, cache on and off); worker memory.
6. The cost of a change (one approval to the next fresh coverage answer) and of a backup (export_dataset and
   import_dataset of the scale-N database: time and peak memory).

Writes ``bench/results/REPORT.md`` and ``bench/results/report.json``. Loopback only.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request

from bench.common import (
    BASE,
    BENCH,
    NGINX_BASE,
    PG_ARGS,
    ROOT,
    STATIC_URL,
    TMP,
    app_env,
    log,
    manage,
    probe,
    psql,
    run,
)
from bench.load import Nginx, Server, ensure_wrk, flush_redis, wait_quiet, wrk
from bench.report import REFERENCE_ENDPOINTS, TARGETS, verdicts, write_report, yes

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
    log(f"creating {db}: migrate, seed release 1, synthetic data at scale {scale:g}, seed upgrade to the newest")
    psql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    psql(f'CREATE DATABASE "{db}"')
    release1 = TMP / "seed-release-1"
    shutil.rmtree(release1, ignore_errors=True)
    release1.mkdir(parents=True)
    started = time.monotonic()
    manage(["migrate", "--no-input", "-v0"], db)
    manage(["build_fixtures", "--release", "1", "--out-dir", str(release1)], db, capture=True)
    manage(["seed", "upgrade", "--fixture-dir", str(release1)], db, capture=True)
    loaded = time.monotonic()
    manage(["generate_synthetic", "--scale", f"{scale:g}", "--seed", str(seed)], db)
    generated = time.monotonic()
    # The cost of taking a new seed release at this scale: `seed upgrade` from release 1 to the shipped one, on a
    # database that already holds the synthetic data (what `make data` runs on a live knowledge base).
    upgrade = run([sys.executable, "manage.py", "seed", "upgrade"], env=app_env(db), capture=True)
    upgraded = time.monotonic()
    # What a database restored or bulk-loaded gets before it serves: statistics for the planner and the visibility
    # map that lets an index-only scan skip the table (autovacuum would get there, minutes into the load test).
    psql("VACUUM (ANALYZE)", db)
    psql(f"COMMENT ON DATABASE \"{db}\" IS '{marker}'")
    return {
        "database": db,
        "scale": scale,
        "seed": seed,
        "reused": False,
        "migrate_and_fixtures_s": round(loaded - started, 1),
        "generate_synthetic_s": round(generated - loaded, 1),
        "seed_upgrade_s": round(upgraded - generated, 1),
        "seed_upgrade_summary": upgrade.strip().splitlines()[-3:],
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
        "note": f"The restored database has the same number of mappings as the original: {yes(same)}.",
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
        "--only",
        default="",
        help="comma-separated endpoint names (or parts of names, e.g. 'fault_page,search') to measure; default: all",
    )
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
    log("search index: rebuilt if stale (a request must never have to)")
    report["search_index"] = {"after_data": probe(["search-index"], db, timeout=3600)}
    probe(["search-index"], db1)

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
    if args.only:
        wanted = [part.strip() for part in args.only.split(",") if part.strip()]
        urls = {name: url for name, url in urls.items() if any(part in name for part in wanted)}
        pages = {name: url for name, url in pages.items() if name in urls}
        pages1 = {name: url for name, url in pages1.items() if name in urls}
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
            measured = probe(["queries", *page_urls.values()], database, cache=cache, timeout=3600)
            queries[f"{label}_{mode}"] = {name: measured[url] for name, url in page_urls.items()}
    report["queries_per_request"] = queries

    log("cost of a change: approval to the next fresh coverage answer")
    report["cost_of_change"] = probe(["change"], db, cache=True, timeout=1800)
    # The approval (and its clean-up) changed indexed data: rebuild now, not in the first search under load.
    report["search_index"]["after_change"] = probe(["search-index"], db, timeout=3600)

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
        # The same pages when no answer can come from a cache keyed on the URL (page cache, proxy): every request
        # has a URL of its own. What a visitor pays the first time a page is asked for after a change.
        first_visits = {}
        for name, url in urls.items():
            if name in REFERENCE_ENDPOINTS:
                continue
            busy = wait_quiet(args.wait_quiet)
            log(f"wrk {name} (first visits): {url}")
            first_visits[name] = {
                **wrk(BASE + url, duration=args.duration, connections=args.connections, warmup=1, first_visit=True),
                "cpu_busy_before": busy,
            }
        report["load_first_visit"] = first_visits
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
