"""Turn ``shared/survey-data`` into the committed fixtures under ``fixtures/``.

The output is plain Django serialisation with natural keys, written in a stable order so a rebuild
from the same data produces byte-identical files. Nothing here invents a value: where the source has
no value the field stays empty (or NULL) and the app says "unknown".
"""

import json
from collections import defaultdict
from pathlib import Path

from django.utils.text import slugify

from datasets.fixture_challenges import build_challenges, build_evidence
from datasets.fixture_codings import build_codings
from datasets.fixture_papers import build_papers, latest_release, release_dates
from datasets.survey_files import fixture_object as _obj
from datasets.survey_files import read_csv as _read_csv

# Which computed figure each reported figure is shown beside (our pairing, by meaning of the figure).
COMPUTED_COUNTERPART = {
    "faults_explicitly_addressed_pct": "leaves.addressed_pct",
    "faults_unresolved_or_unmentioned_pct": "leaves.unaddressed_pct",
    "github_issues_unaddressed_pct": "github.unaddressed_pct",
    "interview_problems_unaddressed_pct": "interviews.unaddressed_pct",
    "surveyed_papers": "papers.total",
    "primary_challenges": "challenges.confirmed",
}

HUMBATOVA_ATTRIBUTION = (
    "Fault taxonomy, classified GitHub/StackOverflow artefacts, interview mentions and transcripts from "
    "N. Humbatova, G. Jahangirova, G. Bavota, V. Riccio, A. Stocco, P. Tonella, “Taxonomy of Real Faults in "
    "Deep Learning Systems”, ICSE 2020 (arXiv:1910.11015), replication package dlfaults/taxonomy "
    "(commit c03cca78), licensed under CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/). "
    "Node names were reconstructed from the replication labels; counts were derived by the knowledge base."
)


def build_sources(data_dir: Path) -> list[dict]:
    reported = json.loads((data_dir / "nguyen2025" / "reported_figures.json").read_text())
    src = reported["source"]
    return [
        _obj(
            "taxonomy.source",
            {
                "key": "humbatova2020",
                "title": "Taxonomy of Real Faults in Deep Learning Systems",
                "authors": "Nargiz Humbatova, Gunel Jahangirova, Gabriele Bavota, Vincenzo Riccio, "
                "Andrea Stocco, Paolo Tonella",
                "year": 2020,
                "venue": "ICSE 2020",
                "doi": "",
                "arxiv_id": "1910.11015",
                "url": "https://arxiv.org/abs/1910.11015",
                "licence": "CC BY 4.0",
                "attribution": HUMBATOVA_ATTRIBUTION,
                "note": "Replication package: public repository dlfaults/taxonomy, commit c03cca78 (2020-01-27).",
            },
        ),
        _obj(
            "taxonomy.source",
            {
                "key": src["key"],
                "title": src["title"],
                "authors": ", ".join(src["authors"]),
                "year": src["year"],
                "venue": "arXiv preprint",
                "doi": "",
                "arxiv_id": src["arxiv"],
                "url": src["url"],
                "licence": "",
                "attribution": "",
                "note": f"Version read: {src['version_read']}. " + " ".join(reported.get("notes", [])),
            },
        ),
        _obj(
            "taxonomy.source",
            {
                "key": "kb-curation",
                "title": "Paper-to-fault mappings curated for the ML Debugging Knowledge Base",
                "authors": "Knowledge-base editors",
                "year": 2026,
                "venue": "",
                "doi": "",
                "arxiv_id": "",
                "url": "",
                "licence": "",
                "attribution": "",
                "note": "Curated from each paper's own abstract (or, where marked, the authors' artefact). "
                "These are not the survey's own mappings.",
            },
        ),
        _obj(
            "taxonomy.source",
            {
                "key": "kb-challenge-coding",
                "title": "Coding of the 20 Humbatova et al. interview transcripts against the survey's challenges",
                "authors": "Knowledge-base editors (one coder, no agreement check)",
                "year": 2026,
                "venue": "",
                "doi": "",
                "arxiv_id": "",
                "url": "",
                "licence": "",
                "attribution": "",
                "note": "Our coding, not the survey's. Encounter frequencies are ours, not the survey's Fig. 5.",
            },
        ),
    ]


def build_reported_figures(data_dir: Path) -> list[dict]:
    reported = json.loads((data_dir / "nguyen2025" / "reported_figures.json").read_text())
    objs = []
    for position, fig in enumerate(reported["figures"], start=1):
        objs.append(
            _obj(
                "taxonomy.reportedfigure",
                {
                    "key": fig["key"].replace("_", "-"),
                    "source": [reported["source"]["key"]],
                    "value": f"{fig['value']}",
                    "unit": fig["unit"],
                    "of": fig["of"],
                    "locator": fig.get("locator") or "",
                    "numerator": fig.get("numerator"),
                    "denominator": fig.get("denominator"),
                    "computed_counterpart": COMPUTED_COUNTERPART.get(fig["key"], ""),
                    "position": position,
                },
            )
        )
    return objs


def build_faults(data_dir: Path) -> list[dict]:
    """Humbatova nodes (taxonomy.csv) and the extension nodes of curated/papers.json, parents first, DFS order."""
    rows = _read_csv(data_dir / "humbatova2020" / "taxonomy.csv")
    curated = json.loads((data_dir / "curated" / "papers.json").read_text())
    nodes = []
    for row in rows:
        nodes.append(
            {
                "code": row["id"],
                "name": row["name"],
                "parent": row["parent_id"] or None,
                "kind": row["kind"],
                "origin": "humbatova2020",
                "source": "humbatova2020",
                "definition": "",
                "first_seen_in": row["first_seen_in"],
                "replication_code": row["replication_code"],
                "provenance": (
                    "Node of Humbatova et al. (ICSE 2020); name reconstructed from the replication labels"
                    + (f" (replication code {row['replication_code']})" if row["replication_code"] else "")
                    + " and two listings of the published figure."
                ),
            }
        )
    for ext in curated["extension_nodes"]:
        nodes.append(
            {
                "code": ext["id"],
                "name": ext["name"],
                "parent": ext["parent"],
                "kind": ext["kind"],
                "origin": "kb-extension",
                "source": "kb-curation",
                "definition": ext.get("definition", ""),
                "first_seen_in": "",
                "replication_code": "",
                "provenance": "Knowledge-base extension: a fault that research targets but the Humbatova "
                "taxonomy lacks (curated/papers.json).",
            }
        )

    order = {node["code"]: index for index, node in enumerate(nodes)}
    children = defaultdict(list)
    for node in nodes:
        children[node["parent"]].append(node)
    ordered = []

    def visit(parent):
        for child in sorted(children[parent], key=lambda n: order[n["code"]]):
            ordered.append(child)
            visit(child["code"])

    visit(None)
    if len(ordered) != len(nodes):
        raise ValueError("taxonomy has nodes whose parent is missing")

    used_slugs = set()
    objs = []
    for position, node in enumerate(ordered, start=1):
        slug = slugify(node["name"]) or slugify(node["code"])
        if slug in used_slugs:
            slug = f"{slug}-{slugify(node['code'])}"
        used_slugs.add(slug)
        objs.append(
            _obj(
                "taxonomy.fault",
                {
                    "code": node["code"],
                    "slug": slug,
                    "name": node["name"],
                    "definition": node["definition"],
                    "parent": [node["parent"]] if node["parent"] else None,
                    "kind": node["kind"],
                    "origin": node["origin"],
                    "source": [node["source"]],
                    "first_seen_in": node["first_seen_in"],
                    "replication_code": node["replication_code"],
                    "provenance": node["provenance"],
                    "position": position,
                },
            )
        )
    return objs


def build_methods(curated: dict) -> list[dict]:
    objs = []
    position = 0
    for top in curated["method_taxonomy"]:
        position += 1
        objs.append(
            _obj(
                "taxonomy.method",
                {
                    "code": top["id"],
                    "name": top["name"],
                    "definition": top.get("definition", ""),
                    "parent": None,
                    "position": position,
                },
            )
        )
        for child in top.get("children", []):
            position += 1
            objs.append(
                _obj(
                    "taxonomy.method",
                    {
                        "code": child["id"],
                        "name": child["name"],
                        "definition": child.get("definition", ""),
                        "parent": [top["id"]],
                        "position": position,
                    },
                )
            )
    return objs


def build_all(data_dir: Path, release: int | None = None) -> dict[str, list[dict]]:
    """Fixture name -> list of serialised objects, for seed ``release`` (default: the newest in the data).

    These names are the seeded fixture files (``datasets.seed`` applies them in this order): to seed another file,
    add its builder here. Curated records of a later release than ``release`` are left out.
    """
    curated = json.loads((data_dir / "curated" / "papers.json").read_text())
    release = release or latest_release(curated)
    return {
        "taxonomy": build_sources(data_dir)
        + build_reported_figures(data_dir)
        + build_faults(data_dir)
        + build_methods(curated),
        "papers": build_papers(curated, release),
        "challenges": build_evidence(data_dir) + build_challenges(data_dir),
        "codings": build_codings(json.loads((data_dir / "curated" / "dual_coding.json").read_text()), release=release),
    }


def build_manifest(data_dir: Path, names: list[str], release: int | None = None) -> dict:
    """The seed manifest (``fixtures/seed-release.json``): the release, the release dates, the seeded files."""
    curated = json.loads((data_dir / "curated" / "papers.json").read_text())
    release = release or latest_release(curated)
    dates = release_dates(curated)
    return {
        "release": release,
        "released_on": {str(n): dates[n].isoformat() for n in sorted(dates) if n <= release},
        "fixtures": names,
    }


def write_all(data_dir: Path, out_dir: Path, release: int | None = None) -> dict[str, int]:
    out_dir.mkdir(parents=True, exist_ok=True)
    counts = {}
    fixtures = build_all(data_dir, release)
    for name, objs in fixtures.items():
        (out_dir / f"{name}.json").write_text(json.dumps(objs, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        counts[name] = len(objs)
    manifest = build_manifest(data_dir, list(fixtures), release)
    (out_dir / "seed-release.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return counts
