"""The API's JSON parser: DRF's, with a nesting limit and no string a field could not store (400, never 500)."""

from rest_framework import parsers
from rest_framework.exceptions import ParseError, ValidationError

from kb_site.text import find_invalid

# No request body of this API is nested more than a few levels (a submission: body -> mappings -> mapping -> list).
MAX_DEPTH = 32


class JSONParser(parsers.JSONParser):
    """``rest_framework.parsers.JSONParser`` that refuses, as a 400:

    * a body nested deeper than ``MAX_DEPTH`` (Python's parser would raise ``RecursionError``, a 500, at a depth
      of about a thousand: a 2 KB body);
    * a NUL character or a lone surrogate in any string (``kb_site.text``), named by its field (``authors[0]``).
    """

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError(f"JSON parse error - nested more than {MAX_DEPTH} levels deep.") from exc
        problem = find_invalid(data, max_depth=MAX_DEPTH)
        if problem is not None:
            name, message = problem
            if name is None:
                raise ParseError(f"JSON parse error - {message}")
            raise ValidationError({name: [message]})
        return data
