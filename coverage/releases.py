"""Published releases: draft release notes from a snapshot's diff, publish (immutably), cite, describe as a Dataset.

A release publishes a frozen snapshot. At publication the snapshot must still recompute to its stored figures
(``snapshots.verify``), so the figures, the data in the archive and the snapshot agree; the figures, the diff to
the previous release and the archive are then stored on the release and never change.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib

from django.db import IntegrityError, transaction
from django.utils import timezone

from coverage import release_archive, snapshots
from coverage.models import Release, Snapshot
from coverage.release_files import LICENCE_URLS
from kb_site.citations import KB_CREATOR, KB_NAME

# The figures a release reports (schema.org variableMeasured): summary_dict keys and what they measure.
MEASURED = {
    "leaves.addressed_pct": "Share of leaf faults addressed (an approved explicit mapping), percent",
    "leaves.partial_pct": "Share of leaf faults partially addressed (approved partial mappings only), percent",
    "leaves.unaddressed_pct": "Share of leaf faults unaddressed, percent",
    "github.unaddressed_pct": "Share of classified GitHub artefacts whose leaf is unaddressed, percent",
    "interviews.unaddressed_pct": "Share of classified interview mentions whose leaf is unaddressed, percent",
    "stackoverflow.unaddressed_pct": "Share of classified StackOverflow posts whose leaf is unaddressed, percent",
    "papers.total": "Papers with an approved mapping",
    "papers.mappings": "Approved paper-to-fault mappings",
}


# The works the data comes from (schema.org citation).
CITATIONS = [
    "N. Humbatova, G. Jahangirova, G. Bavota, V. Riccio, A. Stocco, P. Tonella, “Taxonomy of Real Faults in Deep "
    "Learning Systems”, ICSE 2020 (arXiv:1910.11015)",
    "T.-D. Nguyen, H. Tian, B. Le, P. Thongtanunam, S. McIntosh, “A Systematic Survey on Debugging Techniques for "
    "Machine Learning Systems”, arXiv:2503.03158",
]


class ReleaseError(ValueError):
    """The release cannot be published as asked (the message says why, for a form or a 400)."""


def download_url(release: Release) -> str:
    """The archive's absolute address, next to the landing page recorded at publication."""
    return release.url.rstrip("/") + "/download/"


def previous_release() -> Release | None:
    """The latest published release (the one a new release is compared with), or None. 1 query."""
    return Release.objects.defer("archive").order_by("-published_at", "-pk").first()


def draft_changes(snapshot: Snapshot, previous: Release | None) -> dict:
    """What changed from the previous release's snapshot (or from nothing) to ``snapshot``, as JSON."""
    if previous is None:
        return {"before": None, "after": snapshot.name, "first_release": True}
    diff = snapshots.diff(previous.snapshot, snapshot)
    data = dataclasses.asdict(diff)
    data["first_release"] = False
    return data


def draft_notes(snapshot: Snapshot, changes: dict, previous: Release | None) -> str:
    """Release notes generated from ``changes`` (the curator edits them before publishing)."""
    figures = snapshot.figures
    leaves = figures.get("leaves", {})
    papers = figures.get("papers", {})
    lines = [
        f"Frozen snapshot: {snapshot.name}.",
        f"Leaf faults: {leaves.get('addressed')} addressed, {leaves.get('partial')} partially addressed, "
        f"{leaves.get('unaddressed')} unaddressed of {leaves.get('total')}.",
        f"Papers: {papers.get('total')}; approved mappings: {papers.get('mappings')}.",
    ]
    if previous is None:
        lines.append("First release.")
        return "\n".join(lines) + "\n"
    lines.append("")
    lines.append(f"Changes since {previous.version}:")
    lines.append(f"- {len(changes['added'])} mapping(s) added, {len(changes['removed'])} removed.")
    for change in changes["status_changes"]:
        lines.append(f"- {change['code']} {change['name']}: {change['before']} → {change['after']}")
    for figure in changes["figures"]:
        lines.append(f"- {figure['key']}: {figure['before']} → {figure['after']}")
    return "\n".join(lines) + "\n"


@transaction.atomic
def publish(
    *,
    snapshot: Snapshot,
    version: str,
    name: str,
    description: str,
    release_notes: str,
    date: datetime.date,
    url: str,
    licence: str = Release.Licence.CC_BY_4.value,
    published_by: str = "",
) -> Release:
    """Publish ``snapshot`` as release ``version``; its archive is built now and stored with the release.

    ``url`` is the release page's absolute address (it goes into the archive's citation files). Raises
    ReleaseError when the version exists or the snapshot no longer recomputes to its stored figures.
    """
    if Release.objects.filter(version=version).exists():
        raise ReleaseError(f"Release {version} exists already; a published release never changes.")
    if not snapshots.verify(snapshot):
        raise ReleaseError(
            f"Snapshot {snapshot.name} no longer recomputes to its stored figures (the taxonomy or the evidence "
            "changed since it was frozen); freeze a new snapshot and publish that."
        )
    previous = previous_release()
    release = Release(
        version=version,
        name=name,
        description=description,
        release_notes=release_notes,
        date=date,
        licence=licence,
        snapshot=snapshot,
        previous=previous,
        published_at=timezone.now(),
        published_by=published_by,
        url=url,
        figures=snapshot.figures,
        changes=draft_changes(snapshot, previous),
    )
    archive = release_archive.build(release)
    release.archive = archive
    release.archive_sha256 = hashlib.sha256(archive).hexdigest()
    release.archive_size = len(archive)
    try:
        with transaction.atomic():
            release.save()
    except IntegrityError as exc:  # the same version published concurrently
        raise ReleaseError(f"Release {version} exists already; a published release never changes.") from exc
    return release


#
# Citation and schema.org metadata
#


def _flat(figures: dict, key: str):
    value = figures
    for part in key.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def dataset_jsonld(release: Release, *, page_url: str, download_url: str, temporal_start: str | None) -> dict:
    """schema.org ``Dataset`` describing ``release`` (``temporal_start``: the earliest approval, ISO date)."""
    end = release.snapshot.created_at.date().isoformat()
    return {
        "@context": "https://schema.org",
        "@type": "Dataset",
        "@id": page_url,
        "url": page_url,
        "name": release.name,
        "description": release.description,
        "version": release.version,
        "datePublished": release.date.isoformat(),
        "license": LICENCE_URLS[release.licence],
        "isAccessibleForFree": True,
        "creator": {"@type": "Organization", "name": KB_CREATOR},
        "publisher": {"@type": "Organization", "name": KB_NAME},
        "citation": CITATIONS,
        "temporalCoverage": f"{temporal_start or '..'}/{end}",
        "distribution": [
            {
                "@type": "DataDownload",
                "encodingFormat": "application/zip",
                "contentUrl": download_url,
                "contentSize": f"{release.archive_size} B",
                "sha256": release.archive_sha256,
            }
        ],
        "variableMeasured": [
            {"@type": "PropertyValue", "name": key, "description": text, "value": _flat(release.figures, key)}
            for key, text in MEASURED.items()
        ],
    }


def live_dataset_jsonld(*, page_url: str, export_url: str, figures: dict) -> dict:
    """schema.org ``Dataset`` for the living knowledge base (the home page when no release is published yet)."""
    return {
        "@context": "https://schema.org",
        "@type": "Dataset",
        "@id": page_url,
        "url": page_url,
        "name": KB_NAME,
        "description": (
            "A curated map of the faults of machine-learning software (the taxonomy of Humbatova et al., ICSE 2020) "
            "and of the research papers that address them, with practitioner evidence and computed coverage."
        ),
        "version": "live",
        "isAccessibleForFree": True,
        "creator": {"@type": "Organization", "name": KB_CREATOR},
        "citation": CITATIONS,
        "distribution": [{"@type": "DataDownload", "encodingFormat": "application/json", "contentUrl": export_url}],
        "variableMeasured": [
            {"@type": "PropertyValue", "name": key, "description": text, "value": _flat(figures, key)}
            for key, text in MEASURED.items()
        ],
    }
