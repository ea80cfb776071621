"""Measurements taken inside a Django process (run by bench/run.py as ``python -m bench.probe TASK``).

Tasks (each prints one JSON document on its last line of output):

* ``targets``: the URLs the load test requests (a typical synthetic leaf's page, a filtered papers list) and
  the coverage-summary JSON, written to ``STATIC`` for the static-file baseline.
* ``engine N``: the engine's uncached computation (``coverage.compute(use_cache=False)`` and
  ``coverage_summary``) timed N times, with its database share, and its numbers in bench/coverage.sql's shape.
* ``change``: the cost of one approval: the review service's time and the first fresh coverage answer after it.
* ``search-index``: rebuild the search index if the data changed since it was built (timed).
* ``queries URL...``: queries and time per request for each URL through Django's test client, after one
  warm-up request (so with caching on, the steady state is measured).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from coverage import coverage, summaries  # noqa: E402

STATIC = Path(__file__).resolve().parent / "results" / "tmp" / "static" / "coverage-summary.json"
HEADERS = {"HTTP_HOST": "127.0.0.1"}


def targets(write_static: bool = True, fault: str | None = None) -> dict:
    """The pages to load: every page type a researcher opens, on real or synthetic records of this database.

    The fault page is a synthetic leaf with papers and every kind of evidence (so no list on it is empty, and the
    same page can be compared across scales), the median of those by evidence; the heaviest leaf and category are
    the ones with the most evidence records. Every other URL is built from names in the database, so the same
    page can be requested at scale 1 and at scale N."""
    from challenges.models import Artifact, Challenge

    data = coverage.compute(use_cache=False)
    leaves = sorted(
        (
            row
            for row in data.rows
            if row.is_leaf
            and row.code.startswith("S-")
            and row.papers
            and row.evidence.github
            and row.evidence.stackoverflow
            and row.evidence.interviews
        ),
        key=lambda row: (row.evidence.total, row.code),
    )
    typical = data.row(fault) if fault else leaves[len(leaves) // 2]
    heaviest = max(
        (row for row in data.rows if row.is_leaf and row.code.startswith("S-")),
        key=lambda row: (row.evidence.total, row.code),
    )
    categories = [row for row in data.rows if not row.is_leaf]
    heaviest_category = max(categories, key=lambda row: (row.evidence_subtree.total, row.code))
    root = next(node.fault.code for node in data.tree.roots if node.fault.code.startswith("S-"))
    challenge = Challenge.objects.order_by("pk").values_list("slug", flat=True).first()
    response = Client().get("/api/coverage/", **HEADERS)
    if response.status_code != 200:
        raise SystemExit(f"/api/coverage/ answered {response.status_code}")
    if write_static:
        STATIC.parent.mkdir(parents=True, exist_ok=True)
        STATIC.write_bytes(response.content)
    github = Artifact.Source.GITHUB.value
    code = typical.code
    pages = {
        "fault_page": f"/faults/{code}/",
        "fault_page_heaviest_leaf": f"/faults/{heaviest.code}/",
        "fault_page_heaviest_category": f"/faults/{heaviest_category.code}/",
        "papers_list_filtered": f"/papers/?ancestor={root}&year_min=2020",
        "papers_list_sorted": f"/papers/?ancestor={root}&ordering=-year",
        "search_one_word": "/search/?q=optimizer",
        "search_several_words": "/search/?q=loss+becomes+nan+after+a+few+epochs+with+a+high+learning+rate",
        "evidence_by_fault": f"/evidence/?fault={code}",
        "evidence_by_status_source": f"/evidence/?status=unaddressed&source={github}",
        "evidence_heaviest_leaf": f"/evidence/?fault={heaviest.code}",
        "interview_mentions": f"/evidence/interview-mentions/?ancestor={root}",
        "challenge_list": "/challenges/",
        "challenge_page": f"/challenges/{challenge}/",
        "snapshot_diff": "/snapshots/diff/?before=seed&after=live",
        "agreement_page": "/agreement/",
        "api_faults": f"/api/faults/?ancestor={root}",
        "api_papers": f"/api/papers/?ancestor={root}&year_min=2020",
        "api_mappings": f"/api/mappings/?ancestor={root}&strength=explicit",
        "api_github_artifacts": f"/api/github-artifacts/?fault={code}",
        "api_stackoverflow_posts": f"/api/stackoverflow-posts/?ancestor={root}",
        "api_interview_mentions": f"/api/interview-mentions/?fault={code}",
        "api_challenges": "/api/challenges/",
    }
    return {
        **pages,
        "fault_evidence": typical.evidence.total,
        "heaviest_fault_evidence": heaviest.evidence.total,
        "heaviest_category_evidence": heaviest_category.evidence_subtree.total,
        "static_bytes": len(response.content),
    }


class _DbTimer:
    def __init__(self):
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - start


def _engine_numbers(data: coverage.CoverageData, summary: summaries.CoverageSummary) -> dict:
    """The engine's figures in bench/coverage.sql's output shape, to check the two compute the same numbers."""
    rows = [
        {
            "code": r.code,
            "status": r.status.value if r.status else None,
            "explicit": r.explicit,
            "partial": r.partial,
            "papers": r.papers,
            "papers_subtree": r.papers_subtree,
            "category_mappings_subtree": r.category_mappings_subtree,
            "evidence": [r.evidence.github, r.evidence.stackoverflow, r.evidence.interviews],
            "evidence_subtree": [
                r.evidence_subtree.github,
                r.evidence_subtree.stackoverflow,
                r.evidence_subtree.interviews,
            ],
            "leaves": r.leaves,
            "leaves_addressed": r.leaves_addressed,
            "leaves_partial": r.leaves_partial,
            "leaves_unaddressed": r.leaves_unaddressed,
            "challenges": r.challenges,
            "methods": list(r.methods),
        }
        for r in data.rows
    ]

    def practice(p: summaries.PracticeShares) -> dict:
        return {
            "classified": p.classified,
            "on_category": p.on_category,
            "unclassified": p.unclassified,
            "addressed": p.addressed,
            "partial": p.partial,
            "unaddressed": p.unaddressed,
        }

    leaves = summary.leaves
    return {
        "rows": rows,
        "summary": {
            "leaves": {
                "total": leaves.total,
                "addressed": leaves.addressed,
                "partial": leaves.partial,
                "unaddressed": leaves.unaddressed,
            },
            "practice": {
                "github": practice(summary.github),
                "stackoverflow": practice(summary.stackoverflow),
                "interviews": practice(summary.interviews),
            },
            "papers": {
                "total": summary.papers,
                "mappings": summary.mappings,
                "explicit": summary.explicit_mappings,
                "partial": summary.partial_mappings,
                "category_level": summary.category_mappings,
            },
            "challenges_confirmed": summary.challenges_confirmed,
        },
    }


def engine(runs: int) -> dict:
    summaries.coverage_summary(coverage.compute(use_cache=False))  # connect, warm the caches of PostgreSQL
    totals, db = [], []
    for _ in range(runs):
        timer = _DbTimer()
        with connection.execute_wrapper(timer):
            start = time.perf_counter()
            data = coverage.compute(use_cache=False)
            summary = summaries.coverage_summary(data)
            totals.append((time.perf_counter() - start) * 1000)
        db.append(timer.seconds * 1000)
    with CaptureQueriesContext(connection) as ctx:
        summaries.coverage_summary(coverage.compute(use_cache=False))
    return {
        "runs_ms": [round(t, 1) for t in totals],
        "median_ms": round(statistics.median(totals), 1),
        "db_median_ms": round(statistics.median(db), 1),
        "queries": len(ctx.captured_queries),
        "numbers": _engine_numbers(data, summary),
    }


def queries(urls: list[str], repeat: int = 3) -> dict:
    client = Client()
    out = {}
    for url in urls:
        client.get(url, **HEADERS)  # warm-up: fills the coverage cache when it is on
        counts, times, status, size = [], [], None, 0
        for _ in range(repeat):
            with CaptureQueriesContext(connection) as ctx:
                start = time.perf_counter()
                response = client.get(url, **HEADERS)
                times.append((time.perf_counter() - start) * 1000)
            counts.append(len(ctx.captured_queries))
            status, size = response.status_code, len(response.content)
        out[url] = {
            "status": status,
            "queries": max(counts),
            "ms": round(statistics.median(times), 1),
            "bytes": size,
        }
    return out


def change() -> dict:
    """The cost of a change at this scale: a curator approves one pending submission (one new explicit mapping to an
    unaddressed leaf) through the review service, then the next request to /api/coverage/ must already show it.

    Timed: the approval itself (the service call, its transaction and the cache-version bump on commit), and the
    first coverage answer after it (the engine recomputes once for the new data version). The database is left as
    it was (the submission, its mapping and the users are deleted afterwards)."""
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from papers.models import FaultMapping, Paper, Submission
    from papers.review import approve
    from taxonomy.models import ReviewStatus, Strength

    client = Client()
    before = client.get("/api/coverage/", **HEADERS).json()
    data = coverage.compute(use_cache=False)
    leaf = next(row.fault for row in data.rows if row.is_leaf and row.status == coverage.Status.UNADDRESSED)
    paper = Paper.objects.public().exclude(mappings__fault=leaf).order_by("pk").first()
    users = get_user_model().objects
    researcher = users.create_user("bench-researcher", password=None)
    curator = users.create_user("bench-curator", password=None, is_staff=True)
    curator.user_permissions.set(_curator_permissions())
    with transaction.atomic():
        submission = Submission.objects.create(submitter=researcher, paper=paper, status=ReviewStatus.PENDING)
        FaultMapping.objects.create(
            paper=paper,
            fault=leaf,
            strength=Strength.EXPLICIT,
            rationale="Benchmark: the cost of one approval.",
            status=ReviewStatus.PENDING,
            submission=submission,
            submitted_by=researcher,
        )
    client.get("/api/coverage/", **HEADERS)  # the pending submission is a data change too: settle it first
    start = time.perf_counter()
    approve(submission, curator, reason="benchmark")
    approved = time.perf_counter()
    after = client.get("/api/coverage/", **HEADERS).json()
    answered = time.perf_counter()
    fresh = _mappings(after) == _mappings(before) + 1
    again = time.perf_counter()
    client.get("/api/coverage/", **HEADERS)
    warm = time.perf_counter()
    FaultMapping.objects.filter(submission=submission).delete()
    Submission.objects.filter(pk=submission.pk).delete()
    Submission.history.filter(id=submission.pk).delete()
    FaultMapping.history.filter(submission_id=submission.pk).delete()
    users.filter(pk__in=[researcher.pk, curator.pk]).delete()
    approval_ms = round((approved - start) * 1000, 1)
    first_ms = round((answered - approved) * 1000, 1)
    warm_ms = round((warm - again) * 1000, 1)
    return {
        "approval_ms": approval_ms,
        "first_fresh_answer_ms": first_ms,
        "warm_answer_ms": warm_ms,
        "fresh": fresh,
        "lines": [
            f"Approving one submission (one new explicit mapping) through `papers.review.approve`: {approval_ms} ms.",
            f"The next `GET /api/coverage/` (recomputes once for the new data version): {first_ms} ms; it "
            + ("shows" if fresh else "does NOT show")
            + " the new mapping.",
            f"Time from approval to the first fresh coverage answer: {round(approval_ms + first_ms, 1)} ms; "
            f"the answer after that (cached): {warm_ms} ms.",
        ],
    }


def search_index() -> dict:
    """Bring the search index up to date, as ``manage.py search_index --if-stale`` does: at scale 100 a rebuild takes
    minutes, so a search leaves an index that large to the command (``search.index.ensure_fresh``). Timed."""
    from search import index
    from search.models import SearchDocument

    start = time.perf_counter()
    stale = index.is_stale()
    if stale:
        index.rebuild()
    return {
        "rebuilt": stale,
        "seconds": round(time.perf_counter() - start, 1),
        "documents": SearchDocument.objects.count(),
    }


def _mappings(summary: dict) -> int:
    return summary["papers"]["mappings"]


def _curator_permissions():
    from django.contrib.auth.models import Permission

    return Permission.objects.filter(content_type__app_label="papers")


def main(argv: list[str]) -> None:
    task, args = argv[0], argv[1:]
    if task == "targets":
        fault = args[args.index("--fault") + 1] if "--fault" in args else None
        result = targets(write_static="--no-static" not in args, fault=fault)
    elif task == "engine":
        result = engine(int(args[0]) if args else 7)
    elif task == "change":
        result = change()
    elif task == "search-index":
        result = search_index()
    elif task == "queries":
        repeat = int(os.environ.get("BENCH_PROBE_REPEAT", "3"))
        result = queries(args, repeat)
    else:
        raise SystemExit(f"unknown task {task!r}")
    sys.stdout.write("\n" + json.dumps(result, default=str) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
