"""Read a dataset document (``datasets.dataset``) from a file without holding it in memory.

``json.load`` of a scale-100 backup builds the whole document as Python objects (gigabytes for a file of a few
hundred MB). Here the top-level object is read token by token: the header values (small) are decoded whole, and each
record of ``"records"`` is decoded on its own and written as one line to a spool file per record type, so the import
can then read the types in the order their references need, whatever their order in the file (JSON keys have
none). Memory is bounded by the largest single record, not by the file.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import TextIO

from datasets.dataset import DatasetError

READ_SIZE = 1 << 20  # characters read from the file at a time
MAX_VALUE = 64 << 20  # no single header value or record may be larger (characters)
_WS = " \t\n\r"


class InvalidJSON(DatasetError):
    """The file is not (complete) JSON."""


class _Reader:
    def __init__(self, handle: TextIO):
        self.handle, self.buf, self.pos, self.eof = handle, "", 0, False
        self.decoder = json.JSONDecoder()

    def _more(self) -> bool:
        if self.eof:
            return False
        chunk = self.handle.read(READ_SIZE)
        if not chunk:
            self.eof = True
            return False
        self.buf = self.buf[self.pos :] + chunk
        self.pos = 0
        return True

    def peek(self) -> str:
        """The next non-whitespace character ('' at the end of the file), not consumed."""
        while True:
            while self.pos < len(self.buf) and self.buf[self.pos] in _WS:
                self.pos += 1
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self._more():
                return ""

    def expect(self, char: str) -> None:
        found = self.peek()
        if found != char:
            raise InvalidJSON(f"expected {char!r}, found {found or 'the end of the file'!r}")
        self.pos += 1

    def value(self) -> tuple[object, str]:
        """The next JSON value, decoded, and its text."""
        self.peek()
        while True:
            try:
                value, end = self.decoder.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                if len(self.buf) - self.pos > MAX_VALUE or not self._more():
                    raise InvalidJSON(exc.msg) from exc
                continue
            if end == len(self.buf) and not self.eof and self.buf[self.pos] not in '{["':
                self._more()  # a number or literal cut by the read: read on and decode it again
                continue
            text = self.buf[self.pos : end]
            self.pos = end
            return value, text

    def members(self) -> Iterator[str]:
        """The keys of the object that starts here; after each key the caller reads (or skips) its value."""
        self.expect("{")
        if self.peek() == "}":
            self.pos += 1
            return
        while True:
            key, _ = self.value()
            if not isinstance(key, str):
                raise InvalidJSON("an object key is not a string")
            self.expect(":")
            yield key
            if self.peek() == ",":
                self.pos += 1
                continue
            self.expect("}")
            return


def spool(handle: TextIO, directory: str) -> tuple[dict, dict[str, tuple[str, int]]]:
    """Split a dataset document into its header (every top-level key but ``records``) and one spool file per record
    type: ``{label: (path, number of records)}``. Each file holds one record per line (as JSON text)."""
    reader = _Reader(handle)
    header: dict = {}
    sections: dict[str, tuple[str, int]] = {}
    if reader.peek() != "{":
        raise DatasetError('Not a knowledge-base dataset file (expected "format": "kb-dataset").')
    for key in reader.members():
        if key != "records":
            header[key], _ = reader.value()
            continue
        if reader.peek() != "{":
            header["records"], _ = reader.value()  # not an object: check_header refuses it
            continue
        header["records"] = {}  # present; the records themselves are in the spool files
        for label in reader.members():
            if reader.peek() != "[":
                raise DatasetError(f"{label}: expected a list of records.")
            reader.expect("[")
            path = os.path.join(directory, f"{len(sections)}.jsonl")
            count = sections[label][1] if label in sections else 0
            with open(path if label not in sections else sections[label][0], "a", encoding="utf-8") as out:
                if reader.peek() == "]":
                    reader.pos += 1
                else:
                    while True:
                        record, text = reader.value()
                        # JSON escapes newlines inside strings, so any newline in the text is whitespace.
                        out.write(text.replace("\n", " ").replace("\r", " ") + "\n")
                        count += 1
                        if reader.peek() == ",":
                            reader.pos += 1
                            continue
                        reader.expect("]")
                        break
            sections[label] = (sections[label][0] if label in sections else path, count)
    if reader.peek():
        raise InvalidJSON("extra data after the document")
    return header, sections


def records(path: str) -> Iterator[dict]:
    """The records of one spool file, one at a time."""
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            yield json.loads(line)
