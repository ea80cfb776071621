"""A researcher signs up and submits through the form in real Chromium; a curator approves; coverage moves.

Screenshots go to test-artifacts/ (git-ignored).
"""

import re

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.management import call_command

from accounts.roles import curators_group
from coverage import coverage, snapshots, summaries
from papers.models import FaultMapping, Submission
from taxonomy.models import Fault

pytestmark = pytest.mark.browser

DEEPLOCALIZE_IEEE = """@INPROCEEDINGS{9402050,
  author={Wardat, Mohammad and Le, Wei and Rajan, Hridesh},
  booktitle={2021 IEEE/ACM 43rd International Conference on Software Engineering (ICSE)},
  title={DeepLocalize: Fault Localization for Deep Neural Networks},
  year={2021},
  pages={251-262},
  doi={10.1109/ICSE43902.2021.00034}}"""


@pytest.fixture
def world(transactional_db):
    call_command("loaddata", "taxonomy", "papers", "challenges", verbosity=0)
    snapshots.freeze("seed", created_by="test")
    curator = User.objects.create_user("carla", "carla@example.org", "carla-long-phrase-42")
    curator.groups.add(curators_group())
    return curator


# An invalid form is answered 400 (with its field messages), which Chromium logs for the document.
INVALID_FORM = "Failed to load resource: the server responded with a status of 400 (Bad Request)"


def assert_clean(page, *, expected_errors=()):
    assert page.console_errors == list(expected_errors)
    assert page.foreign_requests == []


def sign_in(page, browser_page, username, password):
    browser_page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def test_submit_through_the_form_and_approve_as_a_curator(browser_page, world):
    page = browser_page.page
    data = coverage.compute()
    mapped = set(FaultMapping.objects.filter(paper__key="deeplocalize-2021").values_list("fault__code", flat=True))
    first, second = [
        row.code for row in data.rows if row.status == coverage.Status.UNADDRESSED and row.code not in mapped
    ][:2]
    before = summaries.coverage_summary(data).leaves

    # Sign up.
    browser_page.goto("/accounts/signup/")
    page.fill("#id_username", "rita")
    page.fill("#id_email", "rita@example.org")
    page.fill("#id_password1", "rita-long-phrase-42")
    page.fill("#id_password2", "rita-long-phrase-42")
    page.get_by_role("button", name="Create my account").click()
    page.wait_for_selector("text=Check your e-mail")
    browser_page.goto(re.search(r"https?://[^/\s]+(/accounts/activate/\S+)", mail.outbox[-1].body).group(1))
    page.wait_for_url("**/accounts/profile/")
    assert "Researcher" in page.locator("dl.facts").inner_text()

    # The form: the lookup notices a paper that is already here as the title is typed.
    page.locator(".user-menu summary").click()
    page.get_by_role("link", name="Submit a paper", exact=True).first.click()
    page.wait_for_url("**/papers/submissions/new/")
    page.fill("#id_paper-title", "DeepLocalize: Fault Localization")
    page.wait_for_selector("#new-paper-lookup li")
    assert "DeepLocalize: Fault Localization for Deep Neural Networks" in page.locator("#new-paper-lookup").inner_text()
    browser_page.screenshot("submission-lookup")

    # Prefill from BibTeX: the duplicate is shown, and the mappings go to the existing paper instead.
    page.locator("details.bibtex-box summary").click()
    page.fill("#id_bibtex", DEEPLOCALIZE_IEEE)
    page.get_by_role("button", name="Fill in the paper's fields").click()
    page.wait_for_selector("#duplicates")
    assert page.input_value("#id_paper-doi") == "10.1109/ICSE43902.2021.00034"
    assert page.input_value("#id_paper-authors") == "Mohammad Wardat\nWei Le\nHridesh Rajan"
    browser_page.screenshot("submission-duplicate")
    page.get_by_role("button", name="Add my mappings to this paper instead").click()
    page.wait_for_load_state()
    assert page.is_checked("input[name=paper_choice][value=existing]")
    assert page.input_value("#id_existing_paper") == "deeplocalize-2021"
    assert not page.locator("#new-paper").is_visible()

    # Two mappings: the second one added with "Add another mapping".
    page.select_option("#id_mappings-0-fault", first)
    page.check("#id_mappings-0-strength_0")  # explicit
    page.check("input[name='mappings-0-methods'][value='M-D-FL']")
    page.check("input[name='mappings-0-phases'][value='localisation']")
    page.check("input[name='mappings-0-targets'][value='DL program']")
    page.fill("#id_mappings-0-rationale", "The abstract says it localises this fault in the training program.")
    page.fill("#id_mappings-0-quote", "DeepLocalize identifies the faulty layer or hyperparameter")
    page.fill("#id_mappings-0-quote_locator", "abstract")
    page.get_by_role("button", name="Add another mapping").click()
    page.select_option("#id_mappings-1-fault", second)
    page.check("#id_mappings-1-strength_1")  # partial
    page.check("input[name='mappings-1-methods'][value='M-D-FL']")
    page.check("input[name='mappings-1-phases'][value='detection']")
    page.check("input[name='mappings-1-targets'][value='trained model']")
    # Forget the evidence of the second mapping first: a field-level message, nothing saved.
    page.get_by_role("button", name="Submit for review").click()
    page.wait_for_selector("#id_mappings-1-rationale-errors")
    assert "Evidence is required" in page.locator("#id_mappings-1-rationale-errors").inner_text()
    assert Submission.objects.count() == 0
    page.fill("#id_mappings-1-rationale", "It detects symptoms that this fault causes, without naming it.")
    page.get_by_role("button", name="Submit for review").click()
    page.wait_for_url("**/papers/submissions/*/")
    assert "Pending review" in page.locator("p.meta").inner_text()
    submission = Submission.objects.get()
    assert sorted(submission.mappings.values_list("fault__code", "strength")) == sorted(
        [(first, "explicit"), (second, "partial")]
    )
    browser_page.screenshot("submission-pending")
    page.locator(".user-menu summary").click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()

    # The curator: queue, claim, approve.
    sign_in(page, browser_page, "carla", "carla-long-phrase-42")
    page.locator(".user-menu summary").click()
    page.get_by_role("link", name="Review queue").click()
    page.wait_for_url("**/papers/submissions/review/")
    page.get_by_role("link", name="Review", exact=True).click()
    page.wait_for_url("**/review/")
    assert "leaf becomes addressed" in page.locator("#mappings-title + p").inner_text()
    page.get_by_role("button", name="Claim").click()
    page.wait_for_load_state()
    assert "Claimed by carla" in page.locator("#claim").inner_text()
    browser_page.screenshot("review")
    page.get_by_role("button", name="Approve").click()
    page.wait_for_url("**/papers/submissions/review/")
    assert "Approved" in page.locator(".messages").inner_text()

    after = summaries.coverage_summary().leaves
    assert (after.addressed, after.partial, after.unaddressed) == (
        before.addressed + 1,
        before.partial + 1,
        before.unaddressed - 2,
    )

    # The fault page, the API and the snapshot diff all show the change.
    browser_page.goto(f"/faults/{first}/")
    assert page.locator(".status-why .badge").first.inner_text() == "Addressed"
    assert "carla" in page.locator(".history-section").inner_text()
    api = page.request.get(browser_page.base_url + "/api/coverage/").json()
    assert api["leaves"]["addressed"] == before.addressed + 1
    browser_page.goto("/snapshots/diff/?before=seed&after=live")
    assert page.locator("#status-title").inner_text() == "Faults whose status changed (2)"
    assert "Mappings added (2)" in page.locator("#added-title").inner_text()
    browser_page.screenshot("snapshot-diff")
    assert_clean(browser_page, expected_errors=[INVALID_FORM])  # the one submission sent without evidence


def test_the_fault_picker_finds_faults_by_name_and_by_id_with_their_status(browser_page, world):
    page = browser_page.page
    status = {row.code: row.status.label.lower() if row.is_leaf else "category" for row in coverage.compute().rows}
    sign_in(page, browser_page, "carla", "carla-long-phrase-42")
    browser_page.goto("/papers/submissions/new/")
    search = page.locator("#id_mappings-0-fault-search")
    assert search.is_visible()

    def shown(number: int) -> list[list[str]]:
        return page.eval_on_selector_all(
            f"#id_mappings-{number}-fault option:not([hidden])", "os => os.map(o => [o.value, o.textContent])"
        )

    def matching(*words: str) -> list[Fault]:
        """The faults with a word of their label beginning with each of ``words`` (after a space, -, ( or /)."""
        return [
            f
            for f in Fault.objects.order_by("position")
            if all(re.search(rf"(^|[\s(/-]){re.escape(w)}", f"{f.code} {f.name}".lower()) for w in words)
        ]

    # Words of the name, in any case and order: the faults whose name has both (H-4.1, H-4.1-1, H-4.1-2 in the
    # shipped taxonomy), each with its status, after the prompt.
    search.fill("SHAPE  tensor")
    expected = [[f.code, f"{f.code} {f.name} — {status[f.code]}"] for f in matching("tensor", "shape")]
    assert [code for code, _label in expected] == ["H-4.1", "H-4.1-1", "H-4.1-2"]
    assert shown(0) == [["", "Choose a fault"], *expected]
    assert page.locator("#id_mappings-0-fault-matches").inner_text() == "3 faults match"

    # An id: Enter with a single match chooses it and moves to the list (without submitting the form).
    search.fill("h-5.1-2")
    assert shown(0) == [["", "Choose a fault"], ["H-5.1-2", f"H-5.1-2 Suboptimal learning rate — {status['H-5.1-2']}"]]
    search.press("Enter")
    assert page.input_value("#id_mappings-0-fault") == "H-5.1-2"
    assert page.evaluate("document.activeElement.id") == "id_mappings-0-fault"
    assert page.url.endswith("/papers/submissions/new/")

    # A mapping added later has its own picker; clearing the box shows every fault again.
    page.get_by_role("button", name="Add another mapping").click()
    other = page.locator("#id_mappings-1-fault-search")
    assert other.is_visible()
    # Word beginnings, not any substring: "rate" does not find "accurate", "tens" finds "tensor".
    other.fill("learning rate")
    assert [code for code, _label in shown(1)] == ["", *(f.code for f in matching("learning", "rate"))]
    other.fill("rate")  # "mis-calibrated assertions" has "rate" inside a word
    assert [code for code, _label in shown(1)] == ["", "H-5.1-2"]
    other.fill("tens shap")
    assert [code for code, _label in shown(1)] == ["", "H-4.1", "H-4.1-1", "H-4.1-2"]
    other.fill("4.1-")
    assert [code for code, _label in shown(1)] == ["", *(f.code for f in matching("4.1-"))]
    other.fill("")
    assert len(shown(1)) == 1 + Fault.objects.count()
    assert page.locator("#id_mappings-1-fault-matches").inner_text() == ""
    assert_clean(browser_page)
