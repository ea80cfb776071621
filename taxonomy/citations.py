"""A fault's page described once for citation managers (CSL-JSON); BibTeX and RIS derive from it."""

from __future__ import annotations

from kb_site.citations import KB_CREATOR, KB_NAME
from taxonomy.models import Fault


def fault_csl(fault: Fault, url: str) -> dict:
    """The fault's entry in the knowledge base as one CSL-JSON item (``url``: the page's absolute URL)."""
    item = {
        "id": f"kb-fault-{fault.code}",
        "type": "entry",
        "title": f"{fault.name} ({fault.code})",
        "container-title": KB_NAME,
        "author": [{"literal": KB_CREATOR}],
        "URL": url,
    }
    if fault.source_id:
        item["note"] = f"Taxonomy node from: {fault.source.citation}" + (
            f" ({fault.source.licence})" if fault.source.licence else ""
        )
    return item
