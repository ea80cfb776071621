"""The API's filter backends: invalid filter values are a 400 naming the query parameter itself."""

import django_filters
from django import forms
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter as DRFOrderingFilter

from kb_site.api.params import BOOLEAN_VALUES, check_parameters

# Filters whose parameter is free text or an id string: blank means "no filter".
TEXT_FILTERS = (django_filters.CharFilter, django_filters.ModelChoiceFilter, django_filters.OrderingFilter)


def parameter_names(filterset) -> dict[str, str]:
    """Query parameter -> filter name (a range filter ``year`` reads ``year_min`` and ``year_max``)."""
    names = {}
    for name in filterset.filters:
        field = filterset.form.fields.get(name)
        suffixes = getattr(getattr(field, "widget", None), "suffixes", None)
        if isinstance(field, forms.MultiValueField) and suffixes:
            names.update({f"{name}_{suffix}" if suffix else name: name for suffix in suffixes})
        else:
            names[name] = name
    return names


def parameter_errors(filterset) -> dict[str, list[str]]:
    """``filterset.errors`` keyed by query parameter.

    A range filter (``year``) is one form field fed by two parameters (``year_min``, ``year_max``); its error is
    reported under the parameter(s) whose value is invalid, so ``?year_min=abc`` answers ``{"year_min": [...]}``.
    """
    errors: dict[str, list[str]] = {}
    for name, messages in filterset.errors.items():
        field = filterset.form.fields.get(name)
        parameters = [p for p, filter_name in parameter_names(filterset).items() if filter_name == name]
        if isinstance(field, forms.MultiValueField) and parameters != [name]:
            bad = []
            for parameter, subfield in zip(parameters, field.fields, strict=False):
                try:
                    subfield.clean(filterset.data.get(parameter))
                except forms.ValidationError:
                    bad.append(parameter)
            for parameter in bad or [p for p in parameters if p in filterset.data] or parameters:
                errors[parameter] = list(messages)
        else:
            errors[name] = list(messages)
    return errors


def validated_filterset(filterset):
    """``filterset`` when its parameters are valid; otherwise a 400 naming each offending parameter.

    Stricter than django-filter: a repeated parameter, a blank value of a non-text filter and a boolean other
    than true/false are errors rather than "no filter".
    """
    names = parameter_names(filterset)
    text = {p for p, name in names.items() if isinstance(filterset.filters[name], TEXT_FILTERS)}
    check_parameters(filterset.data, names, text=text)
    for parameter, name in names.items():
        value = filterset.data.get(parameter)
        boolean = isinstance(filterset.filters[name], django_filters.BooleanFilter)
        if boolean and value is not None and value not in BOOLEAN_VALUES:
            raise ValidationError({parameter: ["Give true or false."]})
    if not filterset.is_valid():
        raise ValidationError(parameter_errors(filterset))
    return filterset


class FilterBackend(DjangoFilterBackend):
    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        return validated_filterset(filterset).qs


class OrderingFilter(DRFOrderingFilter):
    """DRF's ordering, with ``?ordering`` given at most once and every field in it one the list can sort by.

    DRF drops unknown fields silently (``?ordering=bogus`` answers in the default order); here they are a 400
    naming them, as on the lists whose FilterSet holds the ordering.
    """

    def get_ordering(self, request, queryset, view):
        check_parameters(request.query_params, [self.ordering_param], text={self.ordering_param})
        return super().get_ordering(request, queryset, view)

    def remove_invalid_fields(self, queryset, fields, view, request):
        valid = super().remove_invalid_fields(queryset, fields, view, request)
        invalid = [field for field in fields if field not in valid]
        if invalid:
            choices = sorted(name for name, _ in self.get_valid_fields(queryset, view, {"request": request}))
            message = f"Cannot sort by {', '.join(map(repr, invalid))}; choose from {', '.join(choices)}."
            raise ValidationError({self.ordering_param: [message]})
        return valid
