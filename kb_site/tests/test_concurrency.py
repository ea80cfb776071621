"""200 submissions and their approvals from parallel workers on PostgreSQL: nothing lost, nothing doubled.

Each worker is a thread with its own test client and so its own database connection; they go through the
real API (``POST /api/submissions/``, ``.../approve/``, ``.../reject/``), so row locks, constraints and the
coverage cache are exercised as in production. Afterwards every count is checked against what the workers
were told, and the coverage the app serves against a recomputation from scratch in plain SQL.
"""

import random
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from accounts.roles import make_curator
from coverage import coverage, summaries
from papers.forms import TARGET_CHOICES
from papers.models import FaultMapping, Paper, Submission
from taxonomy.models import Fault, Method, Phase, ReviewStatus

pytestmark = [pytest.mark.postgres]

WORKERS = 8
NEW_PAPER_SUBMISSIONS = 60
RACING_SUBMISSIONS = 20  # all propose the same mapping of one existing paper: exactly one may get in
CURATORS = 3


def in_thread(function):
    """Run ``function`` in a worker thread and close that thread's database connection afterwards."""

    def run(*args):
        try:
            return function(*args)
        finally:
            connection.close()

    return run


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def mapping_body(rng: random.Random, fault: str, methods: list[str]) -> dict:
    return {
        "fault": fault,
        "strength": rng.choice(["explicit", "partial"]),
        "methods": [rng.choice(methods)],
        "phases": [rng.choice(Phase.values)],
        "targets": [TARGET_CHOICES[0][0]],
        "rationale": "The abstract names this fault as what the technique detects.",
        "evidence_kind": "abstract",
    }


def recompute_leaf_statuses() -> dict[str, str]:
    """Each leaf's status straight from the table, independent of coverage/coverage.py."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT f.code,
                   COUNT(m.id) FILTER (WHERE m.strength = 'explicit'),
                   COUNT(m.id) FILTER (WHERE m.strength = 'partial')
            FROM taxonomy_fault f
            LEFT JOIN papers_faultmapping m ON m.fault_id = f.id AND m.status = 'approved'
            WHERE f.kind = 'leaf'
            GROUP BY f.code
            """
        )
        return {
            code: "addressed" if explicit else "partial" if partial else "unaddressed"
            for code, explicit, partial in cursor.fetchall()
        }


@pytest.mark.django_db(transaction=True)
def test_parallel_submissions_and_approvals_lose_and_double_nothing(postgres_only, settings):
    settings.KB_COVERAGE_CACHE = True  # the served figures come from the cache, as in production with Redis
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "submissions": "100000/hour", "user": "100000/hour"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    call_command("loaddata", "taxonomy", verbosity=0)
    rng = random.Random(7)
    leaves = list(Fault.objects.filter(kind=Fault.Kind.LEAF).values_list("code", flat=True))
    methods = list(Method.objects.values_list("code", flat=True))
    researchers = [User.objects.create_user(f"researcher{n}", password="a-long-password-1") for n in range(10)]
    curators = []
    for n in range(CURATORS):
        curator = User.objects.create_user(f"curator{n}", password="a-long-password-1")
        make_curator(curator)
        curators.append(curator)
    existing = Paper.objects.create(key="existing-2020", title="An existing paper", year=2020, origin="kb-curation")
    papers_before = Paper.objects.count()

    # What each worker sends: NEW_PAPER_SUBMISSIONS new papers with 1-3 mappings, 20 identical proposals for one.
    bodies = []
    for n in range(NEW_PAPER_SUBMISSIONS):
        faults = rng.sample(leaves, rng.randint(1, 3))
        bodies.append(
            {
                "paper": {
                    "title": f"Concurrent paper number {n}",
                    "authors": [f"Author {n}"],
                    "year": 2000 + n % 25,
                    "url": f"https://example.org/papers/{n}",
                },
                "comment": f"submission {n}",
                "mappings": [mapping_body(rng, fault, methods) for fault in faults],
            }
        )
    race_fault = leaves[0]
    for _ in range(RACING_SUBMISSIONS):
        bodies.append({"paper_key": existing.key, "mappings": [mapping_body(rng, race_fault, methods)]})
    rng.shuffle(bodies)

    @in_thread
    def submit(index: int):
        body = bodies[index]
        response = client_for(researchers[index % len(researchers)]).post(
            reverse("api:submission-list"), body, content_type="application/json"
        )
        return index, response.status_code, response.json()

    with ThreadPoolExecutor(WORKERS) as pool:
        submitted = list(pool.map(submit, range(len(bodies))))

    statuses = Counter(status for _, status, _ in submitted)
    refused_new = [answer for index, status, answer in submitted if status != 201 and "paper" in bodies[index]]
    assert refused_new == []
    assert statuses == {201: NEW_PAPER_SUBMISSIONS + 1, 400: RACING_SUBMISSIONS - 1}, statuses
    accepted = {answer["uid"]: bodies[index] for index, status, answer in submitted if status == 201}
    for index, status, answer in submitted:
        if status == 400:
            assert "paper_key" in bodies[index]  # only the racing duplicates are refused ...
            assert answer["mappings"][0]["fault"] or answer["non_field_errors"]  # ... with a message, not a 500

    # Every accepted submission is stored once, with exactly the mappings that were sent.
    assert Submission.objects.count() == len(accepted)
    assert Paper.objects.count() == papers_before + NEW_PAPER_SUBMISSIONS
    assert (
        Paper.objects.filter(title__startswith="Concurrent paper number").values("title").distinct().count()
        == NEW_PAPER_SUBMISSIONS
    )
    stored = defaultdict(set)
    for uid, code in FaultMapping.objects.values_list("submission__uid", "fault__code"):
        stored[str(uid)].add(code)
    assert stored == {uid: {m["fault"] for m in body["mappings"]} for uid, body in accepted.items()}
    assert FaultMapping.objects.filter(paper=existing, fault__code=race_fault).count() == 1

    # Three curators review everything at once, each in its own order; every tenth submission is rejected.
    decisions = {uid: ("reject" if n % 10 == 0 else "approve") for n, uid in enumerate(sorted(accepted))}
    coverage_reads = []

    @in_thread
    def review(curator_index: int):
        client = client_for(curators[curator_index])
        order = sorted(decisions)
        random.Random(curator_index).shuffle(order)
        answers = []
        for uid in order:
            action = decisions[uid]
            url = reverse(f"api:submission-{action}", args=[uid])
            body = {"reason": "Out of scope for this knowledge base."} if action == "reject" else {}
            answers.append((uid, client.post(url, body, content_type="application/json").status_code))
        return answers

    @in_thread
    def read_coverage(_):
        # Readers fill the coverage cache while approvals land, as page views would.
        client = Client()
        for _ in range(15):
            coverage_reads.append(client.get(reverse("api:coverage-list")).status_code)

    with ThreadPoolExecutor(CURATORS + 2) as pool:
        readers = [pool.submit(read_coverage, n) for n in range(2)]
        reviews = list(pool.map(review, range(CURATORS)))
        for reader in readers:
            reader.result()

    assert set(coverage_reads) == {200}
    per_submission = defaultdict(list)
    for answers in reviews:
        for uid, status in answers:
            per_submission[uid].append(status)
    # Each submission was decided exactly once; the other curators were told it was already decided (409).
    assert {uid: sorted(codes) for uid, codes in per_submission.items()} == {uid: [200, 409, 409] for uid in accepted}
    final = dict(Submission.objects.values_list("uid", "status"))
    assert {str(uid): status for uid, status in final.items()} == {
        uid: ReviewStatus.APPROVED if action == "approve" else ReviewStatus.REJECTED
        for uid, action in decisions.items()
    }
    # The history shows one decision per submission, never two.
    decided = Counter(
        str(uid)
        for uid in Submission.history.filter(status__in=[ReviewStatus.APPROVED, ReviewStatus.REJECTED]).values_list(
            "uid", flat=True
        )
    )
    assert decided == Counter(dict.fromkeys(accepted, 1))
    approved_mappings = sum(len(accepted[uid]["mappings"]) for uid, action in decisions.items() if action == "approve")
    assert FaultMapping.objects.filter(status=ReviewStatus.APPROVED).count() == approved_mappings
    assert FaultMapping.objects.filter(status=ReviewStatus.PENDING).count() == 0

    # Coverage as served (cached, filled by the readers during the approvals) equals a recomputation from scratch.
    independent = recompute_leaf_statuses()
    served = coverage.compute()
    assert {row.code: str(row.status) for row in served.rows if row.is_leaf} == independent
    summary = Client().get(reverse("api:coverage-list")).json()
    counts = Counter(independent.values())
    assert summary["leaves"]["total"] == len(independent)
    assert summary["leaves"]["addressed"] == counts["addressed"]
    assert summary["leaves"]["partial"] == counts["partial"]
    assert summary["leaves"]["unaddressed"] == counts["unaddressed"]
    assert summary["papers"]["mappings"] == approved_mappings
    fresh = summaries.summary_dict(summaries.coverage_summary(coverage.compute(use_cache=False)))
    assert {key: summary[key] for key in fresh if key != "reported"} == {
        key: value for key, value in fresh.items() if key != "reported"
    }
