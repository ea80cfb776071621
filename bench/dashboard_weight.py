"""The coverage dashboard as a phone would load it: bytes transferred and time until every chart is drawn.

Serves the real data the production way (``collectstatic`` with WhiteNoise's compressed manifest storage behind
gunicorn, DEBUG off) from a throw-away SQLite database and static root, then loads ``/coverage/`` in Chromium with
mobile emulation (390x844, touch, device scale 3) three times with a cold cache, once more with 4x CPU slow-down.
Writes bench/results/dashboard.md. A measurement, not a test: nothing here asserts a timing.

    .venv/bin/python bench/dashboard_weight.py
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PORT = 8113
CHROMIUM = "/usr/bin/chromium"


def main() -> None:
    load_before = os.getloadavg()[0]
    work = Path(tempfile.mkdtemp(prefix="kb-dashboard-"))
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{work / 'db.sqlite3'}",
        "DJANGO_SECRET_KEY": "bench-only-not-secret",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_STATIC_MANIFEST": "true",
        "KB_STATIC_ROOT": str(work / "static"),
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=ROOT)
    subprocess.run([*manage, "loaddata", "taxonomy", "papers", "challenges", "-v0"], env=env, check=True, cwd=ROOT)
    subprocess.run([*manage, "collectstatic", "--no-input", "-v0"], env=env, check=True, cwd=ROOT)
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "-b",
            f"127.0.0.1:{PORT}",
            "-w",
            "1",
            "-t",
            "300",
            "kb_site.wsgi",
        ],
        env=env,
        cwd=ROOT,
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        # One request first, as any earlier visitor would have made: the server's own caches are warm.
        urllib.request.urlopen(f"http://127.0.0.1:{PORT}/coverage/", timeout=300).read()
        runs = measure(f"http://127.0.0.1:{PORT}/coverage/")
    finally:
        server.terminate()
        server.wait()
    report(runs, load_before)


def measure(url: str) -> list[dict]:
    from playwright.sync_api import sync_playwright

    runs = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"], headless=True)
        for slowdown in (1, 1, 1, 4):
            context = browser.new_context(
                viewport={"width": 390, "height": 844}, device_scale_factor=3, is_mobile=True, has_touch=True
            )
            page = context.new_page()
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": slowdown})
            sizes: dict[str, int] = {}
            cdp.on(
                "Network.loadingFinished",
                lambda e, sizes=sizes: sizes.__setitem__(e["requestId"], e["encodedDataLength"]),
            )
            start = time.perf_counter()
            page.goto(url)
            page.wait_for_function(
                "() => { const c = document.querySelectorAll('.plotly-chart');"
                " return c.length && [...c].every(x => x.querySelector('svg.main-svg')); }",
                timeout=60_000,
            )
            drawn = time.perf_counter() - start
            page.wait_for_load_state("networkidle")
            timing = page.evaluate("() => performance.getEntriesByType('navigation')[0].toJSON()")
            bundle = page.evaluate(
                "() => performance.getEntriesByType('resource').filter(r => r.name.includes('plotly'))"
                ".map(r => [r.transferSize, r.decodedBodySize])[0]"
            )
            runs.append(
                {
                    "slowdown": slowdown,
                    "transferred": sum(sizes.values()),
                    "bundle": bundle,
                    "drawn": drawn,
                    "dom_content_loaded": timing["domContentLoadedEventEnd"] / 1000,
                }
            )
            context.close()
        browser.close()
    return runs


def report(runs: list[dict], load_before: float) -> None:
    plain = [r for r in runs if r["slowdown"] == 1]
    slow = [r for r in runs if r["slowdown"] == 4]
    lines = [
        "# Coverage dashboard on a phone (bench/dashboard_weight.py)",
        "",
        "Chromium with mobile emulation (390x844, scale 3, touch), cold cache, real data, gunicorn + WhiteNoise",
        'compressed manifest storage, on this 2-core shared machine. "Charts drawn": from navigation start until',
        "every chart's SVG exists (the page is interactive then: plotly binds its handlers while drawing).",
        "",
        "| run | CPU | transferred (KB) | plotly bundle transferred / decoded (KB) | DOMContentLoaded (s) "
        "| charts drawn (s) |",
        "|---|---|---|---|---|---|",
    ]
    for i, r in enumerate(runs, 1):
        lines.append(
            f"| {i} | {r['slowdown']}x | {r['transferred'] / 1024:.0f} | {r['bundle'][0] / 1024:.0f} / "
            f"{r['bundle'][1] / 1024:.0f} | {r['dom_content_loaded']:.2f} | {r['drawn']:.2f} |"
        )
    lines += [
        "",
        f"Median of the unthrottled runs: {statistics.median(r['transferred'] for r in plain) / 1024:.0f} KB "
        f"transferred, charts drawn in {statistics.median(r['drawn'] for r in plain):.2f} s; with 4x CPU slow-down "
        f"{slow[0]['drawn']:.2f} s.",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; load average (1 min) {load_before:.2f} before the runs, "
        f"{os.getloadavg()[0]:.2f} after (other work on the machine slows every figure above).",
        "",
    ]
    out = ROOT / "bench" / "results" / "dashboard.md"
    out.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
