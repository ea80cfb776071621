"""Small helpers the fixture builder's modules share: reading the survey data's CSV files, writing fixture rows."""

import csv
from pathlib import Path


def fixture_object(model: str, fields: dict) -> dict:
    """One object of a Django fixture (natural keys, so no pk)."""
    return {"model": model, "fields": fields}


def read_csv(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))
