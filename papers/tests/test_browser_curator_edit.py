"""A curator fixes a submission from the review page in real Chromium, then approves it with the edited values.

Screenshots go to test-artifacts/ (git-ignored).
"""

import pytest
from django.contrib.auth.models import User

from accounts.roles import curators_group
from papers import submissions
from papers.forms import Vocabulary
from papers.models import FaultMapping
from papers.submission_forms import SubmissionForms
from papers.tests.factories import make_paper
from papers.tests.test_submissions import api_data, mapping
from taxonomy.tests.factories import make_fault, make_method

pytestmark = pytest.mark.browser


@pytest.fixture
def pending(transactional_db):
    make_fault("T-1", name="Uncovered", slug="uncovered", position=1)
    make_method("M-T-GEN", name="Fuzzing", parent=make_method("M-T", name="Testing"))
    make_paper("alpha", title="Alpha: finding memory leaks")
    researcher = User.objects.create_user("rita", "rita@example.org", "rita-long-phrase-42")
    curator = User.objects.create_user("carla", "carla@example.org", "carla-long-phrase-42")
    curator.groups.add(curators_group())
    forms = SubmissionForms.from_json(api_data(paper_key="alpha", mappings=[mapping()]), Vocabulary.load())
    return submissions.submit(researcher, forms)


def test_a_curator_edits_from_the_review_page_then_approves(browser_page, pending):
    page = browser_page.page
    browser_page.goto("/accounts/login/")
    page.fill("#id_username", "carla")
    page.fill("#id_password", "carla-long-phrase-42")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()

    browser_page.goto(f"/papers/submissions/{pending.uid}/review/")
    page.get_by_role("link", name="Edit the paper and mappings").click()
    page.wait_for_url("**/review/edit/")
    assert "You are editing rita’s submission" in page.locator("#curator-edit-notice").inner_text()
    page.check("#id_mappings-0-strength_1")  # partial
    page.fill("#id_mappings-0-quote", "We find some of these faults.")
    page.fill("#id_mappings-0-quote_locator", "abstract")
    browser_page.screenshot("curator-edit")
    page.get_by_role("button", name="Save the edit").click()
    page.wait_for_url("**/review/")
    assert "Edited by curator carla" in page.locator("#curator-edited").inner_text()
    assert "Claimed by carla" in page.locator("#claim").inner_text()
    assert "Edited by curator carla" in page.locator(".history-section").inner_text()
    browser_page.screenshot("curator-edited-review")

    page.get_by_role("button", name="Approve").click()
    page.wait_for_url("**/papers/submissions/review/")
    approved = FaultMapping.objects.get(submission=pending)
    assert (approved.status, approved.strength, approved.quote, approved.quote_locator) == (
        "approved",
        "partial",
        "We find some of these faults.",
        "abstract",
    )
    assert browser_page.console_errors == []
    assert browser_page.foreign_requests == []
