"""Citation formats from one CSL-JSON item: CSL-JSON itself, RIS (rispy) and BibTeX (bibtexparser).

Each citable thing (a paper, a fault, a release) describes itself once, as a CSL-JSON item (the Citation Style
Language's input schema, https://github.com/citation-style-language/schema, ``csl-data.json``); the other formats
are derived from that item here, so the three can never disagree.
"""

from __future__ import annotations

import json

import bibtexparser
import rispy
from bibtexparser.model import Entry, Field

# CSL item type -> RIS reference type and BibTeX entry type.
RIS_TYPES = {"paper-conference": "CPAPER", "article-journal": "JOUR", "dataset": "DATA", "entry": "GEN"}
BIBTEX_TYPES = {"paper-conference": "inproceedings", "article-journal": "article"}

KB_NAME = "ML Debugging Knowledge Base"
KB_CREATOR = "ML Debugging Knowledge Base editors"

CSL_MEDIA_TYPE = "application/vnd.citationstyles.csl+json"
RIS_MEDIA_TYPE = "application/x-research-info-systems"


def csl_name(full_name: str) -> dict:
    """A person's name as CSL (``family`` = last word, ``given`` = the rest); a one-word name is ``literal``."""
    parts = full_name.split()
    if len(parts) < 2:
        return {"literal": full_name}
    return {"family": parts[-1], "given": " ".join(parts[:-1])}


def _display_name(name: dict) -> str:
    if "literal" in name:
        return name["literal"]
    return f"{name['family']}, {name['given']}" if name.get("given") else name["family"]


def _year(item: dict) -> str:
    parts = (item.get("issued") or {}).get("date-parts") or [[]]
    return str(parts[0][0]) if parts and parts[0] else ""


def _date(item: dict) -> str:
    """The issued date as RIS ``DA`` (YYYY/MM/DD/), when month and day are known."""
    parts = ((item.get("issued") or {}).get("date-parts") or [[]])[0]
    if len(parts) < 3:
        return ""
    return f"{parts[0]:04d}/{parts[1]:02d}/{parts[2]:02d}/"


def to_csljson(items: list[dict]) -> str:
    """CSL-JSON: a JSON array of items (the format citeproc processors and reference managers read)."""
    return json.dumps(items, ensure_ascii=False, indent=2) + "\n"


class _RisWriter(rispy.RisWriter):
    """rispy's writer without its ``1.`` counter line before each reference (not part of the RIS tag set)."""

    def set_header(self, count: int) -> str:
        return ""


def ris_record(item: dict) -> dict:
    """A CSL item as a rispy record (rispy's field names)."""
    record = {"type_of_reference": RIS_TYPES.get(item.get("type", ""), "GEN"), "title": item.get("title", "")}
    authors = [_display_name(name) for name in item.get("author", [])]
    if authors:
        record["authors"] = authors
    optional = {
        "year": _year(item),
        "date": _date(item),
        "secondary_title": item.get("container-title", ""),
        "publisher": item.get("publisher", ""),
        "edition": item.get("version", ""),
        "doi": item.get("DOI", ""),
        "abstract": item.get("abstract", ""),
        "id": item.get("id", ""),
    }
    record.update({key: value for key, value in optional.items() if value})
    if item.get("URL"):
        record["urls"] = [item["URL"]]
    if item.get("note"):
        record["notes"] = [item["note"]]
    return record


def to_ris(items: list[dict]) -> str:
    """RIS records for CSL items, written by rispy."""
    return rispy.dumps([ris_record(item) for item in items], implementation=_RisWriter)


def _escape(value: str) -> str:
    """A value inside ``{...}``: braces and backslashes escaped, so a value can never close its field."""
    return value.replace("\\", "\\textbackslash{}").replace("{", "\\{").replace("}", "\\}")


def bibtex_key(item: dict) -> str:
    return "".join(ch for ch in str(item.get("id", "")) if ch.isalnum() or ch in "-_:.") or "kb"


def bibtex_entry(item: dict) -> Entry:
    """A CSL item as a bibtexparser entry (``@misc`` for anything but papers; biblatex's ``version`` kept)."""
    entry_type = BIBTEX_TYPES.get(item.get("type", ""), "misc")
    authors = " and ".join(_display_name(name) for name in item.get("author", []))
    container = "booktitle" if entry_type == "inproceedings" else "journal"
    values = [
        ("title", item.get("title", "")),
        ("author", authors),
        ("year", _year(item)),
        (container if entry_type != "misc" else "howpublished", item.get("container-title", "")),
        ("publisher", item.get("publisher", "")),
        ("version", item.get("version", "")),
        ("doi", item.get("DOI", "")),
        ("url", item.get("URL", "")),
        ("note", item.get("note", "")),
    ]
    fields = [Field(name, _escape(str(value))) for name, value in values if value]
    return Entry(entry_type, bibtex_key(item), fields)


def to_bibtex(items: list[dict]) -> str:
    """BibTeX entries for CSL items, written by bibtexparser."""
    return bibtexparser.write_string(bibtexparser.Library([bibtex_entry(item) for item in items]))


def formats(item: dict) -> dict[str, str]:
    """The three formats of one item, for a page's "Cite this" block."""
    return {"bibtex": to_bibtex([item]), "ris": to_ris([item]), "csljson": to_csljson([item])}
