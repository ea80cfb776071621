"""A paper described once for citation managers (CSL-JSON) and for search engines (schema.org JSON-LD)."""

from __future__ import annotations

from kb_site.citations import csl_name
from papers.models import Paper


def paper_csl(paper: Paper, url: str = "") -> dict:
    """The paper as one CSL-JSON item (``url``: its page here, used when the paper has no link of its own)."""
    item = {
        "id": paper.key,
        "type": "paper-conference" if paper.venue else "article",
        "title": paper.title,
        "author": [csl_name(name) for name in paper.authors or []],
    }
    if paper.year:
        item["issued"] = {"date-parts": [[paper.year]]}
    if paper.venue:
        item["container-title"] = paper.venue
    if paper.doi:
        item["DOI"] = paper.doi
    if paper.arxiv_id:
        item["number"] = f"arXiv:{paper.arxiv_id}"
    link = paper.link or url
    if link:
        item["URL"] = link
    if not paper.authors_complete:
        item["note"] = "Author list incomplete in the knowledge base."
    return item


def paper_jsonld(paper: Paper, url: str) -> dict:
    """schema.org ``ScholarlyArticle`` for the paper's page (``url``: the page's absolute URL)."""
    data = {
        "@context": "https://schema.org",
        "@type": "ScholarlyArticle",
        "@id": url,
        "url": url,
        "headline": paper.title[:110],
        "name": paper.title,
        "author": [{"@type": "Person", "name": name} for name in paper.authors or []],
    }
    if paper.year:
        data["datePublished"] = str(paper.year)
    if paper.venue:
        data["isPartOf"] = {"@type": "PublicationEvent", "name": paper.venue}
    same_as = [link for link in (f"https://doi.org/{paper.doi}" if paper.doi else "", paper.url) if link]
    if paper.arxiv_id:
        same_as.append(f"https://arxiv.org/abs/{paper.arxiv_id}")
    if same_as:
        data["sameAs"] = same_as
    if paper.doi:
        data["identifier"] = {"@type": "PropertyValue", "propertyID": "DOI", "value": paper.doi}
    faults = [mapping.fault for mapping in getattr(paper, "approved_mappings", [])]
    if faults:
        data["about"] = [{"@type": "DefinedTerm", "termCode": f.code, "name": f.name} for f in faults]
    return data
