"""Small helpers the fixture builder's modules share: reading the survey data's CSV files, writing fixture rows."""

import csv
from pathlib import Path


def fixture_object(model: str, fields: dict, seed_release: int | None = None) -> dict:
    """One object of a Django fixture (natural keys, so no pk), with the seed release it came in when given
    (``datasets.seed``; ``loaddata`` ignores the key)."""
    if seed_release is None:
        return {"model": model, "fields": fields}
    return {"model": model, "seed_release": seed_release, "fields": fields}


def read_csv(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))
