"""The papers fixture: curated papers, their fault mappings and related references, by seed release.

Every object carries its ``seed_release`` (top level, beside ``model`` and ``fields``; ``loaddata`` ignores it), and
seeded mappings and papers are dated by their release's date, read from the curated data's ``meta.seed_releases``
("1": "2026-11-25: ...").
"""

import datetime
import re
import uuid

from datasets.survey_files import fixture_object
from papers.models import normalise_title

SEED_CURATOR = "kb-editors"

MAPPING_NAMESPACE = uuid.UUID("6f1d3a52-9a43-4c53-9d7b-0b6a3a6f9e10")


def mapping_uid(paper_key: str, fault_code: str) -> str:
    return str(uuid.uuid5(MAPPING_NAMESPACE, f"{paper_key}:{fault_code}"))


def release_dates(curated: dict) -> dict[int, datetime.date]:
    """Seed release number -> its date, from the text of ``meta.seed_releases`` (each starts with the date)."""
    dates = {}
    for number, text in curated["meta"]["seed_releases"].items():
        found = re.match(r"\s*(\d{4}-\d{2}-\d{2})", text)
        if found is None:
            raise ValueError(f"seed release {number} has no date in the curated data: {text!r}")
        dates[int(number)] = datetime.date.fromisoformat(found.group(1))
    return dates


def latest_release(curated: dict) -> int:
    return max(release_dates(curated))


def _timestamp(day: datetime.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def _obj(release: int, model: str, fields: dict) -> dict:
    return fixture_object(model, fields, seed_release=release)


def build_papers(curated: dict, release: int) -> list[dict]:
    """Papers, their mappings and the related references of seed releases up to ``release``."""
    dates = release_dates(curated)
    papers = [paper for paper in curated["papers"] if paper["seed_release"] <= release]
    objs = []
    for paper in papers:
        stamp = _timestamp(dates[paper["seed_release"]])
        objs.append(
            _obj(
                paper["seed_release"],
                "papers.paper",
                {
                    "key": paper["id"],
                    "title": paper["title"],
                    "title_normalised": normalise_title(paper["title"]),
                    "authors": paper["authors"],
                    "authors_complete": bool(paper.get("authors_complete", True)),
                    "year": paper["year"],
                    "venue": paper["venue"] or "",
                    "doi": paper["doi"] or None,
                    "arxiv_id": paper["arxiv"] or None,
                    "url": "",
                    "abstract_source_url": paper.get("abstract_source_url") or "",
                    "abstract_read": bool(paper.get("abstract_read")),
                    "origin": paper["origin"],
                    "source": ["nguyen2025" if paper["origin"] == "survey-reference-list" else "kb-curation"],
                    "evidence_note": paper["evidence_note"] or "",
                    "quote": paper.get("quote") or "",
                    "quote_locator": paper.get("quote_locator") or "",
                    "methods": [[code] for code in paper["methods"]],
                    "phases": paper["phases"],
                    "targets": paper["targets"],
                    "status": "approved",
                    "submitted_by": None,
                    "created_at": stamp,
                    "updated_at": stamp,
                },
            )
        )
    for paper in papers:
        stamp = _timestamp(dates[paper["seed_release"]])
        for mapping in paper["mappings"]:
            objs.append(
                _obj(
                    paper["seed_release"],
                    "papers.faultmapping",
                    {
                        "uid": mapping_uid(paper["id"], mapping["fault_id"]),
                        "paper": [paper["id"]],
                        "fault": [mapping["fault_id"]],
                        "strength": mapping["strength"],
                        # The curated data records methods, phases and targets per paper; each mapping inherits them.
                        "methods": [[code] for code in paper["methods"]],
                        "phases": paper["phases"],
                        "targets": paper["targets"],
                        "rationale": mapping["rationale"],
                        "evidence_kind": mapping["evidence"],
                        "evidence_note": "",
                        "quote": "",
                        "quote_locator": "",
                        "status": "approved",
                        "submission": None,
                        "submitted_by": None,
                        "curated_by": SEED_CURATOR,
                        # Approved when their release was published (the release date in the curated data).
                        "approved_at": stamp,
                        "retracted_at": None,
                        "created_at": stamp,
                        "updated_at": stamp,
                    },
                )
            )
    for ref in curated["related_references"]:
        if ref["seed_release"] > release:
            continue
        objs.append(
            _obj(
                ref["seed_release"],
                "papers.relatedreference",
                {
                    "title": ref["title"],
                    "authors": ref.get("authors") or "",
                    "year": ref.get("year"),
                    "reason": ref["why_not_a_technique_paper"],
                    "source": ["nguyen2025"],
                },
            )
        )
    return objs
