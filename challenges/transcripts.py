"""Interview transcripts for display: physical lines, numbered from 1, with leftover markup removed.

Coded passages cite physical line numbers, so a line is never split, merged or dropped here: a line that held
only word-processor XML becomes an empty line with its number kept.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

# An XML/HTML tag such as <w:t xml:space="preserve"> or </w:r>; a bare "<" in prose ("a < b") is left alone.
TAG = re.compile(r"</?[A-Za-z][\w:.-]*(?:\s[^<>\n]*)?/?>")


@dataclass(frozen=True)
class Line:
    number: int
    text: str


def clean_line(raw: str) -> str:
    """The line's text without XML/HTML tags (and with the entities those tags' text escaped, decoded)."""
    if "<" not in raw:
        return raw
    stripped = TAG.sub("", raw)
    return html.unescape(stripped) if stripped != raw else raw


def transcript_lines(text: str) -> list[Line]:
    """Every physical line (split on newlines only; a trailing newline ends the last line, it adds none)."""
    if not text:
        return []
    raw_lines = text.split("\n")
    if text.endswith("\n"):
        raw_lines.pop()
    return [Line(number, clean_line(raw.rstrip("\r"))) for number, raw in enumerate(raw_lines, start=1)]
