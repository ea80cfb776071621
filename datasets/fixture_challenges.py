"""The challenges fixture: Humbatova et al.'s practitioner evidence (artefacts, interviews, their mentions) and the
challenges with their coded evidence. Part of the fixture builder (``datasets.fixture_builder.build_all``)."""

import json
from collections import defaultdict
from pathlib import Path

from django.utils.text import slugify

from datasets.survey_files import fixture_object as _obj
from datasets.survey_files import read_csv as _read_csv


def build_evidence(data_dir: Path) -> list[dict]:
    base = data_dir / "humbatova2020"
    objs = []
    for row in _read_csv(base / "artifacts.csv"):
        objs.append(
            _obj(
                "challenges.artifact",
                {
                    "url": row["url"],
                    "source": row["source"],
                    "kind": row["kind"],
                    "repository": _repository(row["url"]) if row["source"] == "github" else "",
                    "framework": row["framework"],
                    "labelling_round": int(row["labelling_round"]) if row["labelling_round"] else None,
                    "final_tag": row["final_tag"],
                    "fault": [row["fault_id"]] if row["fault_id"] else None,
                    "dataset": ["humbatova2020"],
                },
            )
        )
    for path in sorted((base / "transcripts").glob("interview*.txt")):
        number = int(path.stem.removeprefix("interview"))
        objs.append(
            _obj(
                "challenges.interview",
                {"number": number, "transcript": path.read_text(encoding="utf-8"), "dataset": ["humbatova2020"]},
            )
        )
    positions = defaultdict(int)
    for row in _read_csv(base / "interview_mentions.csv"):
        number = int(row["interview"])
        positions[number] += 1
        objs.append(
            _obj(
                "challenges.interviewmention",
                {
                    "interview": [number],
                    "position": positions[number],
                    "tag": row["final_tag"],
                    "fault": [row["fault_id"]] if row["fault_id"] else None,
                },
            )
        )
    return objs


def _repository(url: str) -> str:
    parts = url.split("/")
    return f"{parts[3]}/{parts[4]}" if len(parts) > 4 and "github.com" in parts[2] else ""


def build_challenges(data_dir: Path) -> list[dict]:
    names = json.loads((data_dir / "nguyen2025" / "challenges.json").read_text())
    evidence = json.loads((data_dir / "curated" / "challenge_evidence.json").read_text())
    by_slug = {c["slug"]: c for c in evidence["challenges"]}
    objs = []
    for position, challenge in enumerate(names["challenges"], start=1):
        coded = by_slug.get(challenge["slug"], {})
        objs.append(
            _obj(
                "challenges.challenge",
                {
                    "slug": challenge["slug"],
                    "name": challenge["name"],
                    "group": challenge["group"],
                    "status": "confirmed",
                    "description": challenge["description"],
                    "note": "Name from the survey's text; description paraphrased by the knowledge-base editors.",
                    "source": [names["source"]],
                    "encounter_frequency_our_coding": coded.get("encounter_frequency_our_coding"),
                    "candidate_interviews": [],
                    "position": position,
                },
            )
        )
    for position, candidate in enumerate(evidence["candidate_challenges"], start=1):
        objs.append(
            _obj(
                "challenges.challenge",
                {
                    "slug": slugify(candidate["name"])[:120],
                    "name": candidate["name"],
                    "group": "other",
                    "status": "candidate",
                    "description": "",
                    "note": candidate.get("note", ""),
                    "source": ["kb-challenge-coding"],
                    "encounter_frequency_our_coding": len(candidate["interviews"]),
                    "candidate_interviews": candidate["interviews"],
                    "position": position,
                },
            )
        )
    for challenge in evidence["challenges"]:
        for link in challenge["related_faults"]:
            objs.append(
                _obj(
                    "challenges.challengefault",
                    {
                        "challenge": [challenge["slug"]],
                        "fault": [link["fault_id"]],
                        "rationale": link.get("rationale", ""),
                    },
                )
            )
        for passage in challenge["passages"]:
            objs.append(
                _obj(
                    "challenges.challengepassage",
                    {
                        "challenge": [challenge["slug"]],
                        "interview": [passage["interview"]],
                        "lines": passage["lines"],
                        "first_line": passage["lines"][0],
                        "excerpt": passage["excerpt"],
                        "note": passage.get("note", ""),
                    },
                )
            )
    return objs
