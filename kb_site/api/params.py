"""Strict query parameters: a value the API cannot use is a 400 naming the parameter, never silently ignored.

DRF and django-filter treat a blank value (``?kind=``), a repeated parameter (``?page=1&page=2``: the last one
wins) or an unusable page size as "not given". A client that sent them meant something, so the API says what
is wrong instead. Text parameters (``q``, fault ids) may be blank: blank means "no filter".
"""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.settings import api_settings

# A path segment that may name an object: anything but a slash or NUL (no stored id contains one, and PostgreSQL
# refuses NUL in a query), so such paths are a plain 404.
LOOKUP_REGEX = r"[^/\x00]+"

BOOLEAN_VALUES = {"true": True, "false": False, "True": True, "False": False, "1": True, "0": False}


def check_parameters(query_params, names, *, text=()) -> None:
    """Each of ``names`` present at most once and, unless it is a ``text`` parameter, not blank."""
    errors = {}
    for name in names:
        values = query_params.getlist(name)
        if len(values) > 1:
            errors[name] = ["Give this parameter once."]
        elif values and values[0] == "" and name not in text:
            errors[name] = ["This parameter needs a value (or leave it out)."]
        elif values and "\x00" in values[0]:
            errors[name] = ["Null characters are not allowed."]
    if errors:
        raise ValidationError(errors)


def parse_query(serializer_class, request) -> dict:
    """Validate ``request``'s query parameters with ``serializer_class`` strictly (see the module docstring)."""
    serializer = serializer_class(data=request.query_params)
    text = {name for name, field in serializer.fields.items() if isinstance(field, serializers.CharField)}
    check_parameters(request.query_params, serializer.fields, text=text)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class ContentNegotiation(DefaultContentNegotiation):
    """DRF's negotiation, except that a blank or repeated ``?format=`` is a 400 instead of being ignored."""

    def select_renderer(self, request, renderers, format_suffix=None):
        name = api_settings.URL_FORMAT_OVERRIDE
        if name and not format_suffix and name in request.query_params:
            check_parameters(request.query_params, [name])
        return super().select_renderer(request, renderers, format_suffix)
