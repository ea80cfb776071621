"""Every page type at a phone, a tablet and a desktop width, on the real data, in real Chromium.

For each width one browser context visits every page and checks: no horizontal page scroll
(``scrollWidth <= innerWidth``), no chart text drawn outside its chart, no console error, nothing fetched from
another host, and no serious or critical accessibility violation by axe-core (the npm package's file, vendored
under kb_site/tests/vendor/ and injected here; it is never served by the site). One test, so the data is loaded
once; each failure names the width and the page.
"""

import os
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from challenges.models import Artifact, Challenge
from conftest import BrowserPage

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
WIDTHS = {390: 844, 768: 1024, 1366: 900}

# Chart text (labels, annotations, tick labels) must lie inside the chart's own drawing area.
CLIPPED_TEXT = """() => {
  const out = [];
  document.querySelectorAll('.plotly-chart').forEach(chart => {
    const svg = chart.querySelector('svg.main-svg');
    if (!svg) return;
    const box = svg.getBoundingClientRect();
    chart.querySelectorAll('svg text').forEach(t => {
      const r = t.getBoundingClientRect();
      if (!t.textContent.trim() || r.width === 0) return;
      if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1) {
        out.push(chart.id + ': ' + t.textContent.trim().slice(0, 40));
      }
    });
  });
  return out;
}"""

AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '));
}"""


@pytest.fixture
def real_data(transactional_db):
    call_command("loaddata", "taxonomy", "papers", "challenges", verbosity=0)
    User.objects.create_user("rita", "rita@example.org", "rita-long-phrase-42")  # a researcher: any signed-in user


def pages() -> list[str]:
    artifact = Artifact.objects.order_by("pk").first()
    challenge = Challenge.objects.order_by("position").first()
    return [
        "/",
        "/search/?q=learning+rate",
        "/faults/",
        "/faults/H-5/",
        "/faults/H-5.1-2/",
        "/coverage/",
        "/sources/",
        "/papers/",
        "/papers/autotrainer-2021/",
        "/papers/related/",
        "/evidence/",
        artifact.get_absolute_url(),
        "/evidence/interview-mentions/",
        "/interviews/",
        "/interviews/1/",
        "/challenges/",
        challenge.get_absolute_url(),
        "/snapshots/",
        "/releases/",
        "/classify/",
        "/api-guide/",
        "/accounts/login/",
        "/accounts/signup/",
        "/no/such/page/",
        "/papers/submissions/new/",  # signed in (last: the session cookie stays in the context)
    ]


def sign_in(page, base_url):
    page.goto(base_url + "/accounts/login/")
    page.fill("#id_username", "rita")
    page.fill("#id_password", "rita-long-phrase-42")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


def test_every_page_type_at_three_widths(chromium, live_server, real_data):
    problems = []
    axe = AXE.read_text()
    urls = pages()
    # KB_BROWSER_PAGES="/coverage/ /classify/" and KB_BROWSER_WIDTHS="390" narrow a run while working on a page.
    if os.environ.get("KB_BROWSER_PAGES"):
        urls = [url for url in urls if url in os.environ["KB_BROWSER_PAGES"].split()]
    widths = {w: h for w, h in WIDTHS.items() if str(w) in os.environ.get("KB_BROWSER_WIDTHS", str(w)).split()}
    for width, height in widths.items():
        context = chromium.new_context(viewport={"width": width, "height": height}, bypass_csp=True)
        page = context.new_page()
        watched = BrowserPage(page, live_server.url)
        for url in urls:
            if url.startswith("/papers/submissions/"):
                sign_in(page, live_server.url)
            watched.console_errors.clear()
            page.goto(live_server.url + url)
            page.wait_for_load_state("load")
            if page.locator(".plotly-chart").count():
                page.wait_for_function(
                    "() => [...document.querySelectorAll('.plotly-chart')].every(c => c.querySelector('svg.main-svg'))"
                )
            where = f"{width}px {url}"
            overflow = page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
            if overflow[0] > overflow[1]:
                problems.append(f"{where}: page scrolls sideways ({overflow[0]} > {overflow[1]} px)")
            for text in page.evaluate(CLIPPED_TEXT):
                problems.append(f"{where}: chart text clipped: {text}")
            if not page.evaluate("() => typeof axe !== 'undefined'"):
                page.add_script_tag(content=axe)
            for violation in page.evaluate(AXE_RUN):
                problems.append(f"{where}: axe {violation}")
            # A 404 page logs its own status as a console error; anything else is a real error.
            errors = [e for e in watched.console_errors if "404" not in e or url != "/no/such/page/"]
            problems.extend(f"{where}: console: {error}" for error in errors)
            page.screenshot(path=str(Path("test-artifacts") / f"w{width}{url.replace('/', '_')[:60]}.png"))
        assert watched.foreign_requests == []
        context.close()
    assert problems == [], "\n".join(problems)
