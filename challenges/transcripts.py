"""Interview transcripts for display: physical lines, numbered from 1, with leftover markup removed.

Coded passages cite physical line numbers, so a line is never split, merged or dropped here: a line that held
only word-processor XML becomes an empty line with its number kept.

Speakers are told apart by a label, not by colour: where a line starts with "Interviewer 1:" or "Interviewee:"
that prefix becomes the line's ``speaker``; where the transcript marked the speaker only by the colour of its
word-processor markup (interview 01: "Blue – Interviewer1, Purple – Interviewer2, Green - Interviewee"), the
colour gives the label. Lines the source does not attribute get none: nothing is guessed.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

# An XML/HTML tag such as <w:t xml:space="preserve"> or </w:r>; a bare "<" in prose ("a < b") is left alone.
TAG = re.compile(r"</?[A-Za-z][\w:.-]*(?:\s[^<>\n]*)?/?>")


# The colours interview 01's legend (its line 1) names, as they appear in its markup (w:color w:val="...").
COLOUR_SPEAKERS = {"0000FF": "Interviewer 1", "800080": "Interviewer 2", "7030A0": "Interviewer 2"}
COLOUR_SPEAKERS |= {"38761D": "Interviewee", "385623": "Interviewee", "00B050": "Interviewee"}
COLOUR = re.compile(r'w:color w:val="([0-9A-Fa-f]{6})"')
SPEAKER = re.compile(r"^(Interviewer(?: ?\d+)?|Interviewee(?: ?\d+)?)\s*:\s*")


@dataclass(frozen=True)
class Line:
    number: int
    text: str
    speaker: str = ""


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
    return [_line(number, raw.rstrip("\r")) for number, raw in enumerate(raw_lines, start=1)]


def _line(number: int, raw: str) -> Line:
    text = clean_line(raw)
    prefix = SPEAKER.match(text)
    if prefix:
        return Line(number, text[prefix.end() :], prefix.group(1))
    colour = COLOUR.search(raw)
    if colour and colour.group(1).upper() in COLOUR_SPEAKERS:
        return Line(number, text, COLOUR_SPEAKERS[colour.group(1).upper()])
    return Line(number, text)
