"""A release's archive: one zip with the public data as of its snapshot, built once at publication.

Contents (under ``kb-release-<version>/``):

* ``dataset.json``: the public dataset (``datasets.dataset``, format ``kb-dataset``, its schema version) with the
  mapping set of the release's snapshot: exactly its mappings, each approved, with the fault, strength and
  methods frozen in the snapshot. ``manage.py import_dataset`` loads it into an empty database, which then
  computes the release's figures.
  Its double coding is as it stood when the snapshot was frozen: the codings submitted and the adjudications
  decided by then (``papers.coding``, ``papers.codedmapping``, ``papers.adjudication``), as the agreement figures
  of a snapshot are computed.
* ``csv/<app>.<model>.csv``: one CSV per table of ``dataset.json`` (same rows; lists and objects as JSON text).
* ``data-dictionary.csv``: every column of every table: its meaning, type and allowed values.
* ``figures.json`` / ``figures.csv``: the coverage figures of the release.
* ``README.md`` (coverage rule, provenance), ``LICENSES.md`` (licences and attributions), ``CITATION.cff``,
  ``.zenodo.json``.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import zipfile

from coverage import release_files
from datasets import dataset, tables
from papers.models import FaultMapping, Paper
from taxonomy.models import ReviewStatus

MAPPINGS = "papers.faultmapping"
PAPERS = "papers.paper"
RELEASES = "coverage.release"
CODINGS = "papers.coding"
CODED_MAPPINGS = "papers.codedmapping"
ADJUDICATIONS = "papers.adjudication"
# Zip entries get this fixed time, so the same release data always gives the same bytes.
ZIP_TIME = (2020, 1, 1, 0, 0, 0)


class ArchiveError(ValueError):
    """The snapshot refers to rows that no longer exist, so its data cannot be reproduced."""


def release_dataset(snapshot) -> dict:
    """The public dataset with the snapshot's mapping set in place of the live one (see the module docstring)."""
    data = dataset.dump(dataset.PUBLIC)
    data["records"].pop(RELEASES, None)
    entries = {str(e.mapping_uid): e for e in snapshot.entries.select_related("fault")}
    rows = FaultMapping.objects.filter(uid__in=list(entries)).select_related("paper")
    found = {str(m.uid): m for m in rows}
    missing = sorted(set(entries) - set(found))
    if missing:
        raise ArchiveError(f"Snapshot {snapshot.name} refers to {len(missing)} mapping(s) deleted since; freeze anew.")
    # The full-scope records of those mappings (whatever their status now), then the frozen values on top.
    full = {
        r["fields"]["uid"]: r for r in dataset.records(FaultMapping, FaultMapping.objects.filter(uid__in=list(entries)))
    }
    mappings = []
    for uid, entry in sorted(entries.items(), key=lambda item: found[item[0]].pk):
        record = full[uid]
        fields = record["fields"]
        fields.update(
            fault=entry.fault.code,
            strength=entry.strength,
            methods=sorted(entry.methods),
            status=ReviewStatus.APPROVED.value,
            retracted_at=None,
            submission=None,
            submitted_by=None,
        )
        mappings.append(record)
    data["records"][MAPPINGS] = mappings
    # Papers of the snapshot that are not public now (rare) come back as they were: approved.
    have = {r["fields"]["key"] for r in data["records"].get(PAPERS, [])}
    wanted = {found[uid].paper.key for uid in entries} - have
    if wanted:
        extra = dataset.records(Paper, Paper.objects.filter(key__in=wanted))
        for record in extra:
            record["fields"].update(status=ReviewStatus.APPROVED.value, submitted_by=None)
        data["records"][PAPERS] = sorted([*data["records"].get(PAPERS, []), *extra], key=lambda r: r["pk"])
    _codings_as_of(data, snapshot.created_at)
    data["counts"] = {label: len(rows) for label, rows in data["records"].items()}
    return data


def _codings_as_of(data: dict, moment) -> None:
    """Keep the codings submitted and the adjudications decided by ``moment`` (and those codings' mappings)."""
    records = data["records"]
    codings = [
        r for r in records.get(CODINGS, []) if datetime.datetime.fromisoformat(r["fields"]["submitted_at"]) <= moment
    ]
    kept = {r["fields"]["uid"] for r in codings}
    records[CODINGS] = codings
    records[CODED_MAPPINGS] = [r for r in records.get(CODED_MAPPINGS, []) if r["fields"]["coding"] in kept]
    records[ADJUDICATIONS] = [
        r
        for r in records.get(ADJUDICATIONS, [])
        if datetime.datetime.fromisoformat(r["fields"]["decided_at"]) <= moment
    ]


#
# Figures
#


def _flat_figures(figures: dict, prefix: str = "") -> list[tuple[str, object]]:
    rows = []
    for key, value in figures.items():
        if key == "reported":
            continue
        if isinstance(value, dict):
            rows.extend(_flat_figures(value, f"{prefix}{key}."))
        else:
            rows.append((f"{prefix}{key}", value))
    return rows


def figures_csv(figures: dict) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["figure", "value"])
    for key, value in _flat_figures(figures):
        writer.writerow([key, tables.cell(value)])
    return buffer.getvalue()


#
# The zip
#


def build(release) -> bytes:
    """The release's zip archive (deterministic for the same data: fixed entry times, sorted tables)."""
    data = release_dataset(release.snapshot)
    root = f"kb-release-{release.version}/"
    files: dict[str, str] = {"dataset.json": json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"}
    labels = sorted(data["records"])
    for label in labels:
        files[f"csv/{label}.csv"] = tables.table_csv(label, data["records"][label])
    files["data-dictionary.csv"] = tables.data_dictionary(labels)
    files["figures.json"] = json.dumps(release.figures, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    files["figures.csv"] = figures_csv(release.figures)
    files.update(release_files.text_files(release, data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(root + name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, files[name].encode("utf-8"))
    return buffer.getvalue()
