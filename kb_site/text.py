"""Text no field may hold: NUL characters and lone surrogates, refused at the edge with the field's name.

PostgreSQL text cannot store a NUL character (``DataError``), and a lone UTF-16 surrogate (``"\\ud800"``, which
JSON can spell) cannot be encoded as UTF-8 at all (``UnicodeEncodeError``), so either would otherwise fail deep in a
save as a 500. ``invalid_text`` is the one rule; ``kb_site.api.parsers.JSONParser`` applies it to every string of
a JSON body (keys too) and ``kb_site.middleware.RequestLimitsMiddleware`` to every form field, so every API and
web form answers 400 naming the field.
"""

from __future__ import annotations

NUL_MESSAGE = "Null characters are not allowed."
SURROGATE_MESSAGE = "This text contains an invalid character (a lone UTF-16 surrogate)."


def invalid_text(value: str) -> str | None:
    """Why ``value`` cannot be stored (a message), or None when it can."""
    if "\x00" in value:
        return NUL_MESSAGE
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return SURROGATE_MESSAGE
    return None


def field_name(path: tuple) -> str:
    """``("mappings", 0, "quote")`` -> ``"mappings[0].quote"``: how an error names a field inside a JSON body."""
    name = ""
    for part in path:
        if isinstance(part, int):
            name += f"[{part}]"
        else:
            name += f".{part}" if name else str(part)
    return name or "body"


def find_invalid(data, *, max_depth: int) -> tuple[str | None, str] | None:
    """What is wrong with parsed JSON ``data``, else None: (None, message) when it is nested deeper than
    ``max_depth``, (field name, message) for the first text ``invalid_text`` refuses. Iterative, so no depth can
    exhaust the stack."""
    stack: list[tuple[object, tuple, int]] = [(data, (), 0)]
    while stack:
        value, path, depth = stack.pop()
        if isinstance(value, (dict, list)):
            if depth >= max_depth:
                return None, f"nested more than {max_depth} levels deep."
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                if isinstance(key, str) and (message := invalid_text(key)):
                    return field_name(path), message
                stack.append((item, (*path, key), depth + 1))
        elif isinstance(value, str) and (message := invalid_text(value)):
            return field_name(path), message
    return None
