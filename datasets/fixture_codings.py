"""The codings fixture: the independent codings of ``curated/dual_coding.json`` and the adjudications already
made. Part of the fixture builder (``datasets.fixture_builder.build_all``)."""

import uuid

from datasets.fixture_papers import SEED_CURATOR
from datasets.survey_files import fixture_object as _obj

# The double codings came with seed release 2 (2026-11-29, the date of the second editors' codings).
DUAL_CODING_RELEASE = 2
# Codings, their mappings and adjudications get stable uids derived from this namespace.
CODING_NAMESPACE = uuid.UUID("0b8f7c1e-5d2a-4f7e-9a61-3c2d9e8b4a17")

# When each coder's codings were made (dual_coding.json's "coders" and the data README's release dates).
CODING_DATES = {"E1": "2026-11-25T00:00:00Z"}
CODING_DATE_DEFAULT = "2026-11-29T00:00:00Z"


def coding_uid(paper_key: str, sample: str, coder: str) -> str:
    return str(uuid.uuid5(CODING_NAMESPACE, f"coding:{paper_key}:{sample}:{coder}"))


def build_codings(dual: dict, *, release: int) -> list[dict]:
    """The independent codings of ``dual_coding.json`` and the adjudications already made (papers.json holds
    the adjudicated mappings; a pending paper keeps its seeded mappings until a curator decides). They belong to
    seed release 2: none for an older ``release``."""
    if release < DUAL_CODING_RELEASE:
        return []
    codings, mappings, adjudications = [], [], []
    for paper in dual["papers"]:
        key, sample = paper["paper"], paper["sample"]
        for number, coding in enumerate(paper["codings"], start=1):
            uid = coding_uid(key, sample, coding["coder"])
            codings.append(
                _obj(
                    "papers.coding",
                    {
                        "uid": uid,
                        "paper": [key],
                        "sample": sample,
                        "round": number,
                        "coder": coding["coder"],
                        "user": None,
                        "requested_by": None,
                        "methods": [[code] for code in coding.get("methods") or []],
                        "note": coding.get("note") or "",
                        "abstract_source_url": coding.get("abstract_source_url") or "",
                        "submitted_at": CODING_DATES.get(coding["coder"], CODING_DATE_DEFAULT),
                    },
                    seed_release=DUAL_CODING_RELEASE,
                )
            )
            for mapping in coding["mappings"]:
                mappings.append(
                    _obj(
                        "papers.codedmapping",
                        {
                            "uid": str(uuid.uuid5(uuid.UUID(uid), mapping["fault_id"])),
                            "coding": [uid],
                            "fault": [mapping["fault_id"]],
                            "strength": mapping["strength"],
                            "evidence_kind": mapping["evidence"],
                            "rationale": mapping["rationale"],
                        },
                        seed_release=DUAL_CODING_RELEASE,
                    )
                )
        decision = paper["adjudication"]
        if decision["status"] == "done":
            adjudications.append(
                _obj(
                    "papers.adjudication",
                    {
                        "uid": coding_uid(key, sample, "adjudication"),
                        "paper": [key],
                        "sample": sample,
                        "decided_by": SEED_CURATOR,
                        "decided_at": CODING_DATE_DEFAULT,
                        "reason": decision.get("note") or "",
                        "submission": None,
                    },
                    seed_release=DUAL_CODING_RELEASE,
                )
            )
    return codings + mappings + adjudications
