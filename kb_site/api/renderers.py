"""Export renderers: CSV for every list (``?format=csv``); BibTeX, RIS and CSL-JSON for papers (``?format=bibtex``,
``?format=ris``, ``?format=csljson``).

Export formats return the whole filtered list, not one page (see ``pagination.KBPagination``).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from rest_framework import serializers
from rest_framework.renderers import BaseRenderer

from kb_site.citations import CSL_MEDIA_TYPE, RIS_MEDIA_TYPE, to_csljson, to_ris

EXPORT_FORMATS = {"csv", "bibtex", "ris", "csljson"}

# A spreadsheet treats a cell starting with one of these as a formula (CSV/formula injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

# Which key names a nested object in a single CSV cell (a list of faults becomes "H-1-1; H-1-2").
IDENTIFYING_KEYS = ("code", "key", "slug", "number", "name", "url", "id")


def safe_cell(value) -> str:
    """``value`` as CSV cell text, with a leading quote when a spreadsheet would run it as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, dict):
        text = _identify(value)
    elif isinstance(value, list | tuple):
        text = "; ".join(_identify(item) if isinstance(item, dict) else str(item) for item in value)
    else:
        text = str(value)
    if text.startswith(("http://", "https://")) and "format=" in text:
        text = _without_format(text)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def _without_format(url: str) -> str:
    """A link as the JSON API serves it: DRF keeps ``?format=csv`` in the links of a CSV response."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "format"]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _identify(item: dict) -> str:
    """An object's identifying value (``code``, ``key``...), else its values' (``explicit T.1-1``)."""
    for key in IDENTIFYING_KEYS:
        if item.get(key) not in (None, ""):
            return str(item[key])
    return " ".join(_identify(v) if isinstance(v, dict) else str(v) for v in item.values() if v not in (None, ""))


def flatten(data: dict, prefix: str = "") -> dict:
    """Nested objects become dotted columns (``fault.code``); lists stay one cell."""
    flat = {}
    for key, value in data.items():
        if isinstance(value, dict) and value:
            flat.update(flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def serializer_columns(serializer: serializers.BaseSerializer, prefix: str = "") -> list[str]:
    """Column names of a serializer, nested serializers flattened the way ``flatten`` flattens their data."""
    columns = []
    for name, field in serializer.fields.items():
        if isinstance(field, serializers.BaseSerializer) and not isinstance(field, serializers.ListSerializer):
            columns.extend(serializer_columns(field, f"{prefix}{name}."))
        else:
            columns.append(f"{prefix}{name}")
    return columns


def csv_filename(view) -> str:
    """A list's CSV is named after its resource (``paper.csv``), an extra action's after both
    (``coverage-gap-map.csv``), so two downloads from one resource do not share a name."""
    name = getattr(view, "basename", None) or "export"
    action = getattr(view, "action", None)
    if action and action not in ("list", "retrieve"):
        name += "-" + action.replace("_", "-")
    return f"{name}.csv"


class CSVRenderer(BaseRenderer):
    """A list as one row per item (header from the serializer); a single object as ``field,value`` rows."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        renderer_context = renderer_context or {}
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        if isinstance(data, dict) and isinstance(data.get("results"), list):
            data = data["results"]
        if isinstance(data, list):
            rows = [flatten(item) if isinstance(item, dict) else {"value": item} for item in data]
            columns = self._columns(renderer_context, rows)
            writer.writerow(columns)
            for row in rows:
                writer.writerow([safe_cell(row.get(column)) for column in columns])
        elif isinstance(data, dict):
            writer.writerow(["field", "value"])
            for key, value in _flatten_all(data).items():
                writer.writerow([safe_cell(key), safe_cell(value)])
        elif data is not None:
            writer.writerow([safe_cell(data)])
        response = renderer_context.get("response")
        view = renderer_context.get("view")
        if response is not None and view is not None and response.status_code == 200:
            response["Content-Disposition"] = f'attachment; filename="{csv_filename(view)}"'
        return buffer.getvalue().encode(self.charset)

    @staticmethod
    def _columns(renderer_context: dict, rows: list[dict]) -> list[str]:
        view = renderer_context.get("view")
        get_serializer = getattr(view, "get_csv_serializer", None) or getattr(view, "get_serializer", None)
        if get_serializer is not None:
            try:
                serializer = get_serializer()
            except (AssertionError, TypeError):
                serializer = None
            if isinstance(serializer, serializers.Serializer):
                return serializer_columns(serializer)
        columns: dict[str, None] = {}
        for row in rows:
            columns.update(dict.fromkeys(row))
        return list(columns)


def _flatten_all(data, prefix: str = "") -> dict:
    """Every leaf value of nested dicts and lists under a dotted key (``reported.0.value``)."""
    flat = {}
    items: Iterable = data.items() if isinstance(data, dict) else enumerate(data)
    for key, value in items:
        if isinstance(value, dict | list) and value:
            flat.update(_flatten_all(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


class BibTeXRenderer(BaseRenderer):
    """Papers as BibTeX: the serializer (``PaperBibTeXSerializer``) already produced one entry per paper."""

    media_type = "application/x-bibtex"
    format = "bibtex"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, dict) and isinstance(data.get("results"), list):
            data = data["results"]
        if isinstance(data, str):
            text = data
        elif isinstance(data, list) and all(isinstance(item, str) for item in data):
            text = "\n".join(data) if data else "% No paper matches.\n"
        else:
            # An error (404, 400): BibTeX has comments, so the message stays readable.
            messages = _flatten_all(data) if isinstance(data, dict | list) else {"detail": data}
            text = "".join(f"% {key}: {value}\n" for key, value in messages.items())
        return text.encode(self.charset)


def _csl_items(data) -> list[dict] | None:
    """The CSL items of a response (a page's results, a list or one item); None for an error body."""
    if isinstance(data, dict) and isinstance(data.get("results"), list):
        data = data["results"]
    if isinstance(data, dict) and "type" in data and "title" in data:
        return [data]
    if isinstance(data, list) and all(isinstance(item, dict) and "type" in item for item in data):
        return data
    return None


class RISRenderer(BaseRenderer):
    """CSL items (``PaperCSLSerializer``) as RIS records, written by rispy (``?format=ris``)."""

    media_type = RIS_MEDIA_TYPE
    format = "ris"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        items = _csl_items(data)
        if items is None:
            # An error (404, 400): RIS has no comment syntax, so the message goes out as "key: value" lines.
            messages = _flatten_all(data) if isinstance(data, dict | list) else {"detail": data}
            return "".join(f"{key}: {value}\n" for key, value in messages.items()).encode(self.charset)
        # No record at all is one empty line: DRF drops the Content-Type header of an empty body.
        return (to_ris(items) or "\n").encode(self.charset)


class CSLJSONRenderer(BaseRenderer):
    """CSL items as CSL-JSON, the Citation Style Language's input format: always a JSON array (``?format=csljson``)."""

    media_type = CSL_MEDIA_TYPE
    format = "csljson"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        items = _csl_items(data)
        if items is None:
            return json.dumps(data, ensure_ascii=False).encode(self.charset)
        return to_csljson(items).encode(self.charset)
