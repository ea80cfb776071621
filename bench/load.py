"""The servers and the load generator: gunicorn, a caching nginx in front of it, wrk, and the machine's own load."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bench.common import BASE, BENCH, NGINX_BASE, NGINX_PORT, PORT, REDIS_URL, ROOT, TMP, app_env, log


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


def wrk(url: str, *, duration: int, connections: int, warmup: int = 3, first_visit: bool = False) -> dict:
    """wrk's figures for ``url``. ``first_visit``: every request gets a URL of its own (``bench/report.lua``), so
    none is answered from a cache keyed on the URL (the page cache, a proxy): what a page costs the first time."""
    binary = ensure_wrk()
    script = str(BENCH / "report.lua")
    env = {**os.environ, "BENCH_FIRST_VISIT": "1"} if first_visit else None
    if warmup:
        subprocess.run(
            [binary, "-t1", f"-c{connections}", f"-d{warmup}s", "--timeout", "60s", "-s", script, url],
            check=False,
            stdout=subprocess.DEVNULL,
            env=env,
        )
    out = subprocess.run(
        [binary, "-t1", f"-c{connections}", f"-d{duration}s", "--timeout", "60s", "-s", script, url],
        check=True,
        capture_output=True,
        text=True,
        env=env,
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
