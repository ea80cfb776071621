"""The text files of a release's archive: README, licences and attributions, CITATION.cff, .zenodo.json.

Licences and attributions come from the ``taxonomy.source`` records of the archived data (never typed here),
plus the licence the curator chose for the release as a whole.
"""

from __future__ import annotations

import json

import yaml

from kb_site.citations import KB_CREATOR, KB_NAME


def release_csl(release) -> dict:
    """The release as one CSL-JSON item (type ``dataset``)."""
    return {
        "id": f"kb-release-{release.version}",
        "type": "dataset",
        "title": release.name,
        "version": release.version,
        "author": [{"literal": KB_CREATOR}],
        "publisher": KB_NAME,
        "issued": {"date-parts": [[release.date.year, release.date.month, release.date.day]]},
        "URL": release.url,
        "abstract": release.description,
    }


LICENCE_URLS = {
    "CC-BY-4.0": "https://creativecommons.org/licenses/by/4.0/",
    "CC-BY-SA-4.0": "https://creativecommons.org/licenses/by-sa/4.0/",
    "Apache-2.0": "https://www.apache.org/licenses/LICENSE-2.0",
}


COVERAGE_RULE = """\
- A leaf fault is **addressed** when at least one approved `explicit` mapping targets that leaf; **partially
  addressed** when it has none but has at least one approved `partial` mapping to it; **unaddressed** otherwise.
- A mapping to a category never changes the status of the leaves below it; it counts in the category's roll-up
  as research on the category as a whole.
- Leaf coverage = share of all leaves (Humbatova and extension) in each status, one decimal, with numerator and
  denominator.
- Practice-weighted coverage = share of classified GitHub artefacts (issues, commits), and separately of
  classified interview mentions and of classified StackOverflow posts, whose leaf is unaddressed.
- Unclassified artefacts and mentions are counted, never part of a denominator. Only approved mappings count.
"""


def _sources(data: dict) -> list[dict]:
    return [record["fields"] for record in data["records"].get("taxonomy.source", [])]


def readme(release, data: dict) -> str:
    figures = release.figures
    leaves = figures.get("leaves", {})
    lines = [
        f"# {release.name} {release.version}",
        "",
        release.description,
        "",
        f"- Version: {release.version}",
        f"- Release date: {release.date.isoformat()}",
        f"- Published: {release.published_at.isoformat()} by {release.published_by or 'a curator'}",
        f"- Frozen snapshot: {release.snapshot.name} (frozen {release.snapshot.created_at.isoformat()})",
        f"- Landing page: {release.url}",
        f"- Licence of the release: {release.licence} ({LICENCE_URLS[release.licence]}); see LICENSES.md",
        "",
        "## Files",
        "",
        f"- `dataset.json`: the public data, format `kb-dataset`, schema version {data['schema_version']}; "
        "load it into an empty database with `python manage.py import_dataset dataset.json`.",
        "- `csv/<app>.<table>.csv`: one CSV per table of `dataset.json` (same rows; lists and objects as JSON text).",
        "- `data-dictionary.csv`: every column of every table: meaning, type, allowed values.",
        "- `figures.json`, `figures.csv`: the coverage figures of this release.",
        "- `LICENSES.md`, `CITATION.cff`, `.zenodo.json`: licences and attributions, citation, deposit metadata.",
        "",
        "## Coverage figures",
        "",
        f"Leaf faults: {leaves.get('addressed')} addressed, {leaves.get('partial')} partially addressed, "
        f"{leaves.get('unaddressed')} unaddressed, of {leaves.get('total')} "
        f"({leaves.get('addressed_pct')} % / {leaves.get('partial_pct')} % / {leaves.get('unaddressed_pct')} %).",
        "",
        "## The coverage rule",
        "",
        COVERAGE_RULE,
        "## Provenance",
        "",
        "The figures are computed from the snapshot's mapping set, which is the mapping set of `dataset.json`. "
        "The paper-to-fault mappings are this knowledge base's own curation, not the survey's; the survey's "
        "reported figures are stored as reported figures with their citation and never computed.",
        "",
    ]
    for source in _sources(data):
        lines.append(
            f"- {source['title']}: {source.get('authors') or 'authors unknown'}"
            + (f" ({source['year']})" if source.get("year") else "")
        )
    lines += ["", "## Release notes", "", release.release_notes or "(none)", ""]
    return "\n".join(lines)


KNOWN_LICENCES = {
    "CC BY 4.0": "https://creativecommons.org/licenses/by/4.0/",
    "CC BY-SA 4.0": "https://creativecommons.org/licenses/by-sa/4.0/",
    "Apache-2.0": "https://www.apache.org/licenses/LICENSE-2.0",
}


def licences(release, data: dict) -> str:
    lines = [
        "# Licences and attributions",
        "",
        f"The release as a whole: {release.licence} ({LICENCE_URLS[release.licence]}).",
        "Each part keeps its own licence and attribution, as recorded with its source:",
        "",
    ]
    for source in _sources(data):
        licence = source.get("licence") or "not stated by the source (ask its authors before reuse)"
        url = KNOWN_LICENCES.get(source.get("licence") or "", "")
        lines.append(f"## {source['title']}")
        lines.append("")
        lines.append(f"- Licence: {licence}" + (f" ({url})" if url else ""))
        if source.get("attribution"):
            lines.append(f"- Attribution: {source['attribution']}")
        if source.get("url"):
            lines.append(f"- Source: {source['url']}")
        lines.append("")
    lines += [
        "StackOverflow content is CC BY-SA (attribution by post: https://stackoverflow.com/questions/<id>); data "
        "taken from Apache-2.0 repositories keeps that licence and its notices.",
        "",
    ]
    return "\n".join(lines)


def citation_cff(release) -> str:
    data = {
        "cff-version": "1.2.0",
        "message": "If you use this dataset, please cite it as below.",
        "type": "dataset",
        "title": release.name,
        "version": release.version,
        "date-released": release.date.isoformat(),
        "abstract": release.description,
        "authors": [{"name": KB_CREATOR}],
        "license": str(release.licence),
        "url": release.url,
        "references": [
            {
                "type": "conference-paper",
                "title": "Taxonomy of Real Faults in Deep Learning Systems",
                "authors": [
                    {"family-names": family, "given-names": given}
                    for given, family in [
                        ("Nargiz", "Humbatova"),
                        ("Gunel", "Jahangirova"),
                        ("Gabriele", "Bavota"),
                        ("Vincenzo", "Riccio"),
                        ("Andrea", "Stocco"),
                        ("Paolo", "Tonella"),
                    ]
                ],
                "year": 2020,
                "license": "CC-BY-4.0",
                "identifiers": [{"type": "other", "value": "arXiv:1910.11015"}],
            }
        ],
    }
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def zenodo(release) -> str:
    """Zenodo deposit metadata (https://developers.zenodo.org/#representation)."""
    data = {
        "upload_type": "dataset",
        "title": f"{release.name} {release.version}",
        "version": release.version,
        "publication_date": release.date.isoformat(),
        "description": release.description,
        "creators": [{"name": KB_CREATOR}],
        "license": release.licence.lower(),
        "access_right": "open",
        "keywords": ["machine learning", "debugging", "fault taxonomy", "knowledge base"],
        "notes": release.release_notes,
        "related_identifiers": [
            {"identifier": release.url, "relation": "isDocumentedBy", "resource_type": "other"},
            {"identifier": "arXiv:1910.11015", "relation": "isDerivedFrom", "resource_type": "publication-article"},
        ],
        "publisher": KB_NAME,
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def text_files(release, data: dict) -> dict[str, str]:
    return {
        "README.md": readme(release, data),
        "LICENSES.md": licences(release, data),
        "CITATION.cff": citation_cff(release),
        ".zenodo.json": zenodo(release),
        "citation.json": json.dumps([release_csl(release)], ensure_ascii=False, indent=2) + "\n",
    }
