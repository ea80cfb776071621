"""Change history (django-simple-history) as readable entries: the generic part (the fault, paper and submission
histories built on it live in ``papers/history.py``).

Each helper returns ``HistoryEntry`` rows, newest first: who, when, what (created / changed / deleted, with the
fields that changed, before and after) and the reason recorded with the change. Public pages show the history
of mappings that were approved at some point; pending and rejected proposals stay private to their submitter
and the curators (their submission page shows them).

Query cost is fixed: one query per history table involved, whatever the number of records.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import models

from taxonomy.models import Fault

ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}
SKIPPED_FIELDS = {"id", "uid", "created_at", "updated_at", "title_normalised", "submission", "submitted_by", "paper"}
MAX_VALUE_LENGTH = 200


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: str
    after: str


@dataclass(frozen=True)
class HistoryEntry:
    when: datetime.datetime
    who: str
    action: str  # created, changed, deleted
    subject: str  # what the record is, e.g. "Paper" or "Mapping to H-1.2-1"
    changes: list[FieldChange]
    reason: str


def _display(record, field: models.Field) -> str:
    if isinstance(field, models.ForeignKey) and field.is_cached(record):  # joined by the caller: no query
        value = getattr(record, field.name)
    else:
        value = getattr(record, field.attname)
    if value is None or value == "" or value == []:
        return "—"
    if field.choices:
        value = dict(field.flatchoices).get(value, value)
    if isinstance(value, (list, tuple)):
        value = ", ".join(str(v) for v in value)
    if isinstance(value, datetime.datetime):
        value = value.strftime("%Y-%m-%d %H:%M UTC")
    if isinstance(value, Fault):
        value = value.code
    text = str(value)
    return text if len(text) <= MAX_VALUE_LENGTH else text[: MAX_VALUE_LENGTH - 1] + "…"


def _tracked_fields(model) -> list[models.Field]:
    """The model's fields that its history records (simple-history's own list), less the bookkeeping ones."""
    return [f for f in model.history.model.tracked_fields if f.name not in SKIPPED_FIELDS]


def entries(records: Iterable, model, subject: Callable[[object], str]) -> list[HistoryEntry]:
    """Readable entries from historical records of one model (any order); each compared with its predecessor."""
    fields = _tracked_fields(model)
    previous: dict[object, object] = {}
    result = []
    for record in sorted(records, key=lambda r: (r.history_date, r.history_id)):
        before = previous.get(record.id)
        changes = []
        if before is not None and record.history_type == "~":
            for field in fields:
                if getattr(before, field.attname) != getattr(record, field.attname):
                    label = str(field.verbose_name)
                    changes.append(FieldChange(label, _display(before, field), _display(record, field)))
        user = record.history_user
        result.append(
            HistoryEntry(
                when=record.history_date,
                who=user.get_username() if user is not None else "system",
                action=ACTIONS.get(record.history_type, record.history_type),
                subject=subject(record),
                changes=changes,
                reason=record.history_change_reason or "",
            )
        )
        previous[record.id] = record
    # A save that changed none of the shown fields (only a timestamp, say) is noise.
    result = [e for e in result if e.action != "changed" or e.changes or e.reason]
    return sorted(result, key=lambda e: e.when, reverse=True)
