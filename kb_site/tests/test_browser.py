"""The pages in real Chromium, on the real data: nothing loaded from another host, no console error.

Screenshots go to test-artifacts/ (git-ignored) for a human to look at.
"""

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from coverage import coverage, summaries
from papers.filtersets import PaperFilterSet
from papers.models import Paper

pytestmark = pytest.mark.browser


@pytest.fixture
def real_data(transactional_db):
    call_command("loaddata", "taxonomy", "papers", "challenges", verbosity=0)


def assert_clean(page):
    assert page.csp_violations() == []
    assert page.console_errors == []
    assert page.foreign_requests == []


def test_home_to_explorer_to_a_fault(browser_page, real_data):
    page = browser_page.page
    summary = summaries.coverage_summary()
    browser_page.goto("/")
    figure = page.locator("#figure-faults-explicitly-addressed-pct .value")
    assert figure.inner_text().strip() == f"{summary.leaves.addressed_pct}%"
    browser_page.screenshot("home")

    page.get_by_role("link", name="Taxonomy explorer").click()
    page.wait_for_url("**/faults/")
    toggle = page.locator("tr#H-1 .tree-toggle")
    assert toggle.get_attribute("aria-expanded") == "false"
    leaf_link = page.locator("tr#H-1\\.1-1 a").first
    assert not leaf_link.is_visible()
    toggle.focus()
    page.keyboard.press("Enter")  # the tree works from the keyboard
    assert toggle.get_attribute("aria-expanded") == "true"
    inner = page.locator("tr#H-1\\.1 .tree-toggle")  # the leaf sits one category further down
    assert inner.is_visible()
    if inner.get_attribute("aria-expanded") == "false":
        inner.focus()
        page.keyboard.press("Enter")
    assert leaf_link.is_visible()
    page.get_by_role("button", name="Expand all").click()
    assert page.locator("#tree tr.tree-row[hidden]").count() == 0
    row = coverage.compute().row("H-1.2.3-1")
    node = page.locator("tr#H-1\\.2\\.3-1")
    assert node.get_attribute("data-status") == row.status
    assert node.locator(".badge").first.inner_text() == row.status_label
    browser_page.screenshot("explorer-expanded")

    node.get_by_role("link", name=row.fault.name).click()
    page.wait_for_url("**/faults/H-1.2.3-1/")
    assert page.locator("h1").inner_text().startswith(row.fault.name)
    assert page.locator(".status-why .badge").first.inner_text() == row.status_label
    assert page.locator("nav.breadcrumbs a").all_inner_texts() == ["Taxonomy", "Model", "Layers", "Activation Function"]
    browser_page.screenshot("fault")

    # A link to a node deep in the tree opens its branch.
    browser_page.goto("/faults/#H-5.4.1-1")
    assert page.locator("tr#H-5\\.4\\.1-1 a").first.is_visible()
    assert page.locator("tr#H-5 .tree-toggle").get_attribute("aria-expanded") == "true"
    assert_clean(browser_page)


def test_filter_papers(browser_page, real_data):
    page = browser_page.page
    browser_page.goto("/papers/")
    page.select_option("#id_method", "M-D")
    page.fill("input[name=year_min]", "2021")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**/papers/?*method=M-D*")
    expected = PaperFilterSet({"method": "M-D", "year_min": "2021"}, Paper.objects.for_list()).qs.count()
    assert expected > 0
    assert page.locator("table.papers tbody tr").count() == min(expected, 25)
    assert f"{expected} papers match the filters" in page.locator(".result-count").inner_text()
    years = [int(y) for y in page.locator("table.papers tbody tr td:nth-child(2)").all_inner_texts()]
    assert min(years) >= 2021
    browser_page.screenshot("papers-filtered")

    page.get_by_role("link", name="Title").click()
    page.wait_for_url("**ordering=title*")
    titles = page.locator("table.papers tbody tr td:first-child > a").all_inner_texts()
    assert titles == sorted(titles, key=str.lower) or titles == sorted(titles)
    assert_clean(browser_page)


def test_dashboard_charts_render_under_the_csp(browser_page, real_data):
    page = browser_page.page
    response = browser_page.goto("/coverage/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    charts = page.locator(".plotly-chart")
    assert charts.count() == 5
    page.wait_for_function("document.querySelectorAll('.plotly-chart.js-plotly-plot svg').length >= 5")
    for i in range(charts.count()):
        chart = charts.nth(i)
        assert "js-plotly-plot" in chart.get_attribute("class")
        assert chart.locator("svg").count() > 0, chart.get_attribute("id")
    assert page.locator(".js-plotly-plot svg").count() >= 5
    # "The numbers as a table" opens the chart's table.
    page.locator("#gap-map figcaption a", has_text="The numbers as a table").click()
    assert page.locator("#gap-map-table").evaluate("d => d.open")
    browser_page.screenshot("dashboard")
    assert_clean(browser_page)


def test_interview_transcript_line_anchor(browser_page, real_data):
    page = browser_page.page
    browser_page.goto("/interviews/1/#L105")
    line = page.locator("#L105")
    assert line.is_visible()
    assert line.locator(".speaker").inner_text() == "Interviewer 1:"  # the colour of the source's markup, in words
    assert line.locator(".text").inner_text().startswith("Interviewer 1: -Okay, how did you collect it automatically?")
    assert "w:" not in page.locator(".transcript").inner_text()
    browser_page.screenshot("interview")
    assert_clean(browser_page)


def test_the_header_is_one_row_from_a_phone_to_a_wide_screen(browser_page, transactional_db):
    page = browser_page.page
    User.objects.create_user("a-very-long-user-name-of-a-researcher", "l@example.org", "long-user-phrase-42")

    def header() -> tuple[bool, bool, int]:
        """(one row: the bar is under 60 px high, a row being about 46 px; the Menu button shown; sideways scroll)"""
        browser_page.goto("/")
        height = page.evaluate("document.querySelector('.site-header .nav').getBoundingClientRect().height")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        return height < 60, page.locator(".nav-toggle").is_visible(), overflow

    for signed_in in (False, True):
        if signed_in:
            browser_page.goto("/accounts/login/")
            page.fill("#id_username", "a-very-long-user-name-of-a-researcher")
            page.fill("#id_password", "long-user-phrase-42")
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_load_state()
        # A 1366 px laptop: everything on one row, no Menu button (the menu is shown); nothing scrolls sideways.
        for width in (1366, 1920):
            page.set_viewport_size({"width": width, "height": 900})
            assert header() == (True, False, 0), (signed_in, width)
        # Narrower (a 1280 px laptop, a tablet, a phone): the menu folds behind the button; the bar stays one row.
        for width, height in ((1280, 800), (768, 1024), (390, 844)):
            page.set_viewport_size({"width": width, "height": height})
            assert header() == (True, True, 0), (signed_in, width)
            assert not page.locator(".nav-links").is_visible()
            page.locator(".nav-toggle").click()
            assert page.locator(".nav-links").get_by_role("link", name="Releases").is_visible()
    assert_clean(browser_page)


def test_swagger_ui_draws_a_lock_only_on_operations_that_need_credentials(browser_page, transactional_db):
    page = browser_page.page
    browser_page.goto("/api/docs/")
    page.wait_for_selector(".opblock")
    operations = page.eval_on_selector_all(
        ".opblock",
        "els => els.map(e => [e.querySelector('.opblock-summary-method').textContent + ' '"
        " + e.querySelector('.opblock-summary-path').getAttribute('data-path'),"
        " !!e.querySelector('.authorization__btn')])",
    )
    schema = page.request.get(browser_page.base_url + "/api/schema/?format=json").json()
    assert len(operations) == sum(len(methods) for methods in schema["paths"].values())
    # Written out by hand from the views' permissions (as in test_api_schema): submissions and retractions.
    assert sorted(name for name, locked in operations if locked) == [
        "GET /api/submissions/",
        "GET /api/submissions/lookup/",
        "GET /api/submissions/{uid}/",
        "POST /api/retractions/",
        "POST /api/submissions/",
        "POST /api/submissions/{uid}/approve/",
        "POST /api/submissions/{uid}/claim/",
        "POST /api/submissions/{uid}/reject/",
        "POST /api/submissions/{uid}/request-changes/",
        "PUT /api/submissions/{uid}/",
    ]
    assert_clean(browser_page)
