"""BibTeX in and out: parse a pasted or uploaded entry into paper fields, and render a paper as an entry."""

from __future__ import annotations

import re

import bibtexparser
from bibtexparser import middlewares as m
from django.utils.text import slugify

MAX_BIBTEX_BYTES = 20_000


class BibTeXError(ValueError):
    pass


def _clean(value: str) -> str:
    value = re.sub(r"[{}]", "", value or "")
    value = value.replace("\\&", "&").replace("~", " ")
    return re.sub(r"\s+", " ", value).strip()


def parse_bibtex(text: str) -> dict:
    """The first entry of ``text`` as paper fields: title, authors, year, venue, doi, arxiv_id, url.

    Raises BibTeXError with a user-facing message when the text is too large, empty or unparseable.
    """
    if len(text.encode("utf-8")) > MAX_BIBTEX_BYTES:
        raise BibTeXError(f"BibTeX is limited to {MAX_BIBTEX_BYTES // 1000} kB.")
    library = bibtexparser.parse_string(
        text, append_middleware=[m.LatexDecodingMiddleware(), m.SeparateCoAuthors(), m.SplitNameParts()]
    )
    if not library.entries:
        raise BibTeXError("No BibTeX entry found (expected something like @article{key, title={...}, ...}).")
    entry = library.entries[0]
    fields = {f.key.lower(): f.value for f in entry.fields}
    title = _clean(str(fields.get("title", "")))
    if not title:
        raise BibTeXError("The BibTeX entry has no title.")
    authors = []
    for name in fields.get("author", []) or []:
        if hasattr(name, "first"):
            full = " ".join(part for part in [*name.first, *name.von, *name.last, *name.jr] if part)
        else:
            full = str(name)
        if _clean(full):
            authors.append(_clean(full))
    year_text = _clean(str(fields.get("year", "")))
    year = int(year_text) if year_text.isdigit() else None
    venue = _clean(str(fields.get("booktitle") or fields.get("journal") or fields.get("publisher") or ""))
    doi = _clean(str(fields.get("doi", ""))).removeprefix("https://doi.org/").removeprefix("http://dx.doi.org/")
    arxiv = ""
    eprint = _clean(str(fields.get("eprint", "")))
    if eprint and ("arxiv" in str(fields.get("archiveprefix", "")).lower() or re.match(r"^\d{4}\.\d{4,5}", eprint)):
        arxiv = re.sub(r"v\d+$", "", eprint)
    url = _clean(str(fields.get("url", "")))
    if not arxiv:
        match = re.search(r"arxiv\.org/(?:abs|pdf)/(\d{4}\.\d{4,5})", url + " " + str(fields.get("journal", "")))
        match = match or re.search(r"arXiv[: ]\s*(\d{4}\.\d{4,5})", str(fields.get("journal", "")), re.IGNORECASE)
        if match:
            arxiv = match.group(1)
    return {
        "title": title,
        "authors": authors,
        "year": year,
        "venue": venue,
        "doi": doi,
        "arxiv_id": arxiv,
        "url": url,
        "entry_type": entry.entry_type.lower(),
        "key": entry.key,
    }


def _escape(value: str) -> str:
    return value.replace("\\", "\\textbackslash{}").replace("{", "\\{").replace("}", "\\}")


def _url(value: str) -> str:
    """A URL inside ``{...}``: braces and backslashes percent-encoded, so the value cannot close the field."""
    return value.replace("\\", "%5C").replace("{", "%7B").replace("}", "%7D")


def paper_to_bibtex(paper) -> str:
    """A BibTeX entry for ``paper`` (``@inproceedings`` when a venue is known, ``@misc`` otherwise)."""
    first_author = (paper.authors[0].split()[-1] if paper.authors else "anon").lower()
    key = slugify(f"{first_author}{paper.year or ''}{(paper.title.split() or ['paper'])[0]}").replace("-", "")
    entry_type = "inproceedings" if paper.venue else "misc"
    lines = [f"@{entry_type}{{{key},"]
    fields = [
        ("title", f"{{{_escape(paper.title)}}}"),
        ("author", " and ".join(_escape(a) for a in paper.authors) + ("" if paper.authors_complete else " and others")),
        ("year", str(paper.year) if paper.year else ""),
        ("booktitle" if paper.venue else "note", _escape(paper.venue)),
        # Every value is escaped: a stored DOI or URL with a "}" must not end the field and start another.
        ("doi", _escape(paper.doi or "")),
        ("eprint", _escape(paper.arxiv_id or "")),
        ("archiveprefix", "arXiv" if paper.arxiv_id else ""),
        ("url", _url(paper.link or "")),
    ]
    for name, value in fields:
        if value:
            lines.append(f"  {name} = {{{value}}},")
    lines.append("}")
    return "\n".join(lines) + "\n"
