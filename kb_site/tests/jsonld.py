"""JSON-LD in tests without the network: pyld expands documents against a local copy of the schema.org context.

``data/schemaorg-context.jsonld`` is the part of https://schema.org/docs/jsonldcontext.jsonld our documents need:
the ``http://schema.org/`` vocabulary and its URL-valued terms. Any other remote document is refused.
"""

import json
import re
from pathlib import Path

from pyld import jsonld

SCHEMA = "http://schema.org/"
CONTEXT_FILE = Path(__file__).parent / "data" / "schemaorg-context.jsonld"
SCHEMA_CONTEXT_URLS = {"https://schema.org", "https://schema.org/", "http://schema.org", "http://schema.org/"}


def _loader(url, options=None):
    if url not in SCHEMA_CONTEXT_URLS:
        raise jsonld.JsonLdError(
            f"No network in tests: {url}", "jsonld.LoadDocumentError", code="loading document failed"
        )
    return {"contextUrl": None, "documentUrl": url, "document": json.loads(CONTEXT_FILE.read_text())}


def expand(document: dict) -> list[dict]:
    """``document`` expanded by pyld (full IRIs, every value a list of ``{"@value": ...}`` / ``{"@id": ...}``)."""
    return jsonld.expand(document, {"documentLoader": _loader})


def ld_blocks(html: str) -> list[dict]:
    """The JSON documents of a page's ``<script type="application/ld+json">`` blocks."""
    pattern = r'<script type="application/ld\+json">(.*?)</script>'
    return [json.loads(block) for block in re.findall(pattern, html, re.DOTALL)]


def value(node: dict, term: str):
    """The first value of schema.org ``term`` on an expanded node (a literal, or an ``@id``)."""
    items = node.get(SCHEMA + term) or []
    if not items:
        return None
    first = items[0]
    return first.get("@value", first.get("@id", first))
