"""One live paper per normalised title, held by PostgreSQL under concurrency, and re-checked at approval.

Ten submissions of one title run in their own threads and connections through the real API; all of them pass
the application's duplicate check before any of them writes, so only the database can keep the title unique.
"""

import threading
from concurrent.futures import ThreadPoolExecutor
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client

from accounts.roles import make_curator
from papers import review, submissions
from papers.models import Paper, Submission
from papers.tests.factories import make_paper
from taxonomy.models import ReviewStatus
from taxonomy.tests.factories import make_fault, make_method

pytestmark = [pytest.mark.postgres]
RACERS = 10
TITLE = "Gamma: catching uncovered faults"


def body(n: int) -> dict:
    # The same title, spelt differently: the rule is on the normalised title ("gamma catching uncovered faults").
    title = TITLE if n % 2 else TITLE.upper().replace(":", " -")
    paper = {
        "title": title,
        "authors": [f"Author {n}"],
        "year": 2024,
        "venue": "",
        "doi": "",
        "arxiv_id": "",
        "url": f"https://example.org/{n}",
    }
    mapping = {
        "fault": "T-1",
        "strength": "explicit",
        "methods": ["M-T"],
        "phases": ["detection"],
        "targets": ["DL program"],
        "rationale": "The abstract says the tool finds this fault.",
        "evidence_kind": "abstract",
    }
    return {"paper": paper, "mappings": [mapping], "comment": ""}


@pytest.mark.django_db(transaction=True)
def test_ten_simultaneous_submissions_of_one_title_make_one_paper(postgres_only):
    make_fault("T-1", name="Leaf", slug="leaf", position=1)
    make_method("M-T", name="Testing")
    users = [User.objects.create_user(f"r{n}", f"r{n}@example.org", "a-long-pass-phrase-42") for n in range(RACERS)]
    barrier = threading.Barrier(RACERS, timeout=60)
    validate = submissions.validate

    def validate_then_wait(*args, **kwargs):
        result = validate(*args, **kwargs)
        barrier.wait()  # every submission has passed the application's duplicate check
        return result

    def submit(n):
        try:
            client = Client()
            client.force_login(users[n])
            response = client.post("/api/submissions/", body(n), content_type="application/json")
            return response.status_code, response.json()
        finally:
            connection.close()

    with mock.patch.object(submissions, "validate", validate_then_wait), ThreadPoolExecutor(RACERS) as pool:
        results = list(pool.map(submit, range(RACERS)))

    assert sorted(status for status, _ in results) == [201] + [400] * (RACERS - 1)
    assert Paper.objects.count() == 1
    assert Submission.objects.count() == 1
    losers = [answer for status, answer in results if status == 400]
    # The loser is told on the title field, as when the winner was there before it started.
    assert [answer["paper"] for answer in losers] == [
        {"title": ["A paper with this title is already awaiting review in another submission."]}
    ] * (RACERS - 1)


@pytest.mark.django_db
def test_approval_refuses_a_new_paper_whose_title_another_live_paper_has(postgres_only):
    # A twin can only predate the database rule: drop it (inside this test's transaction, rolled back after).
    constraint = next(c for c in Paper._meta.constraints if c.name == "papers_paper_unique_title")
    with connection.schema_editor() as editor:
        editor.remove_constraint(Paper, constraint)
    fault = make_fault("T-1", name="Leaf", slug="leaf", position=1)
    submitter = User.objects.create_user("sam", "sam@example.org", "a-long-pass-phrase-42")
    curator = User.objects.create_user("carla", "carla@example.org", "a-long-pass-phrase-42")
    make_curator(curator)
    make_paper("gamma-2020", title="Gamma: Catching Uncovered Faults")
    new = make_paper("gamma-2024", title="GAMMA catching uncovered faults!", status=ReviewStatus.PENDING)
    submission = Submission.objects.create(submitter=submitter, paper=new, creates_paper=True)
    new.mappings.create(fault=fault, strength="explicit", rationale="r", submission=submission)

    with pytest.raises(review.ReviewConflict) as refused:
        review.approve(submission, curator)

    assert str(refused.value) == (
        "Another paper with the same title is here already (key gamma-2020, approved); nothing was approved. "
        "Reject this submission, or ask its submitter to map the existing paper instead."
    )
    submission.refresh_from_db()
    new.refresh_from_db()
    assert (submission.status, new.status) == (ReviewStatus.PENDING, ReviewStatus.PENDING)
    assert list(new.mappings.values_list("status", flat=True)) == [ReviewStatus.PENDING]
    # Once the twin is rejected (or gone), the same approval goes through.
    Paper.objects.filter(key="gamma-2020").update(status=ReviewStatus.REJECTED)
    assert review.approve(submission, curator).status == ReviewStatus.APPROVED
