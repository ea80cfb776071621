"""In real Chromium: a curator asks for a second coding, another curator codes the paper blind (never seeing the
first coding before submitting), then the first curator adjudicates; coverage moves and the history has it.

Screenshots go to test-artifacts/ (git-ignored).
"""

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from accounts.roles import curators_group
from coverage import coverage, snapshots, summaries
from papers.models import Adjudication, FaultMapping

pytestmark = pytest.mark.browser

PAPER = "deeplocalize-2021"


@pytest.fixture
def world(transactional_db):
    call_command("loaddata", "taxonomy", "papers", "challenges", "codings", verbosity=0)
    snapshots.freeze("seed", created_by="test")
    for name in ("carla", "dora"):
        User.objects.create_user(name, f"{name}@example.org", f"{name}-long-phrase-42").groups.add(curators_group())


def sign_in(page, browser_page, username):
    browser_page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", f"{username}-long-phrase-42")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def sign_out(page):
    page.locator(".user-menu summary").click()  # the account menu folds "Sign out" away
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()


def test_blind_second_coding_then_adjudication(browser_page, world):
    page = browser_page.page
    first = list(FaultMapping.objects.approved().filter(paper__key=PAPER).select_related("fault"))
    assert first, "the paper needs approved mappings (its first coding)"
    data = coverage.compute()
    mapped = {m.fault.code for m in first}
    leaf = next(r.code for r in data.rows if r.status == coverage.Status.UNADDRESSED and r.code not in mapped)
    before = summaries.coverage_summary(data).leaves

    # Carla asks for a blind second coding from the paper's page.
    sign_in(page, browser_page, "carla")
    browser_page.goto(f"/papers/{PAPER}/")
    page.get_by_role("button", name="Ask for a blind second coding of this paper").click()
    page.wait_for_url("**/agreement/queue/")
    assert "you asked for it" in page.locator("main").inner_text()
    sign_out(page)

    # Dora codes it blind: neither the queue, nor the form, nor (once she started) the paper's page, a fault page
    # of its mappings or the API shows the first coding.
    sign_in(page, browser_page, "dora")
    browser_page.goto("/agreement/queue/")
    seen = [page.content()]
    page.get_by_role("button", name="Code it blind").click()
    page.wait_for_url("**/code/")
    seen.append(page.content())
    code_url = page.url
    browser_page.goto(f"/papers/{PAPER}/")
    assert "hidden while you code this paper blind" in page.locator("#mappings-title + p").inner_text()
    seen.append(page.content())
    browser_page.goto(f"/faults/{first[0].fault.code}/")
    assert first[0].paper.title not in page.locator("main").inner_text()
    seen.append(page.content())
    api = page.evaluate("async url => (await fetch(url)).text()", f"/api/papers/{PAPER}/")
    assert '"hidden":"hidden while you code this paper blind"' in api
    seen.append(api)
    page.goto(code_url)
    for html in seen:
        for mapping in first:
            assert mapping.rationale[:40] not in html
            assert f'value="{mapping.fault.code}"' not in html.split('<datalist id="fault-options">')[0]
    browser_page.screenshot("agreement-blind-coding")
    page.fill("#id_mappings-0-fault", leaf)
    page.select_option("#id_mappings-0-strength", "explicit")
    page.fill("#id_mappings-0-rationale", "The authors' README names this fault as a target.")
    page.get_by_role("button", name="Submit my coding").click()
    page.wait_for_url("**/adjudicate/")
    # Only now both codings are shown.
    shown = page.locator("#codings-title + p + table").inner_text()
    assert leaf in shown and all(m.fault.code in shown for m in first)
    sign_out(page)

    # Carla adjudicates: she keeps the first coding and adds Dora's leaf, with a reason.
    sign_in(page, browser_page, "carla")
    browser_page.goto("/agreement/queue/")
    request_row = page.locator("tr", has_text="DeepLocalize").filter(has_text="curator request")
    request_row.get_by_role("link", name="Adjudicate").click()
    page.wait_for_url("**/adjudicate/")
    row = page.locator(f'input[name$="-fault"][value="{leaf}"]').get_attribute("name").removesuffix("-fault")
    page.select_option(f"#id_{row}-strength", "explicit")
    page.fill("#id_reason", "The README names the fault; the first coding missed it.")
    browser_page.screenshot("agreement-adjudication")
    page.get_by_role("button", name="Adjudicate").click()
    page.wait_for_url(f"**/papers/{PAPER}/")
    assert "await another curator's approval" in page.locator(".messages").inner_text()
    unchanged = summaries.coverage_summary(coverage.compute(use_cache=False)).leaves
    assert (unchanged.addressed, unchanged.unaddressed) == (before.addressed, before.unaddressed)
    sign_out(page)

    # Four eyes: Dora approves Carla's adjudication in the review queue.
    sign_in(page, browser_page, "dora")
    browser_page.goto(f"/papers/submissions/{Adjudication.objects.get(paper__key=PAPER).submission.uid}/review/")
    page.get_by_role("button", name="Approve").click()
    page.wait_for_load_state()

    # Coverage moved like an approval; the history and the snapshot diff have it.
    after = summaries.coverage_summary(coverage.compute(use_cache=False)).leaves
    assert (after.addressed, after.unaddressed) == (before.addressed + 1, before.unaddressed - 1)
    browser_page.goto(f"/faults/{leaf}/")
    assert page.locator(".status-why .badge").first.inner_text() == "Addressed"
    assert "Adjudication of the double coding" in page.locator(".history-section").inner_text()
    browser_page.goto("/snapshots/diff/?before=seed&after=live")
    assert leaf in page.locator("#status-title + table").inner_text()
    assert Adjudication.objects.get(paper__key=PAPER).decided_by == "carla"
    browser_page.goto("/agreement/queue/")
    assert "curator request" not in page.locator("#pending-title").locator("..").inner_text()
    assert browser_page.console_errors == []
    assert browser_page.foreign_requests == []
