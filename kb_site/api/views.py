"""API views that belong to no single app: the JSON 404 for unknown API paths, offline Redoc, the landing page."""

import functools

from django.contrib.staticfiles import finders
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import engines
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularRedocView


@csrf_exempt  # it changes nothing; a POST to an unknown API path is a JSON 404, not the CSRF failure page
def api_not_found(request, *args, **kwargs):
    return JsonResponse({"detail": "Not found."}, status=404)


# drf-spectacular's Redoc page fetches web fonts from Google; ours serves nothing from anywhere but this site.
REDOC_TEMPLATE = """{% extends "drf_spectacular/redoc.html" %}{% load static %}{% block head %}
    <title>{{ title|default:"Redoc" }}</title>
    <link rel="icon" href="{% static 'drf_spectacular_sidecar/swagger-ui-dist/favicon-32x32.png' %}">
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <style>body { margin: 0; padding: 0; }</style>
{% endblock head %}"""


class RedocView(SpectacularRedocView):
    """Redoc from the sidecar package's static files, with no third-party fonts (readable offline)."""

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        context = super().get(request, *args, **kwargs).data
        context["redoc_standalone"] = reverse("api:redoc-bundle")
        return HttpResponse(engines["django"].from_string(REDOC_TEMPLATE).render(context, request))


REDOC_BUNDLE = "drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"
# The one remote resource in the sidecar's Redoc bundle: the "API docs by Redocly" logo. An empty inline SVG
# stands in, so the page requests nothing from another host (and our Content-Security-Policy stays quiet).
REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"
EMPTY_SVG = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='1' height='1'/%3E"


@functools.cache
def _redoc_bundle() -> bytes:
    path = finders.find(REDOC_BUNDLE)
    with open(path, encoding="utf-8") as handle:
        return handle.read().replace(REDOC_LOGO, EMPTY_SVG).encode("utf-8")


def redoc_bundle(request):
    """The sidecar's Redoc bundle with its remote logo replaced (see REDOC_LOGO)."""
    response = HttpResponse(_redoc_bundle(), content_type="application/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=86400"
    return response


@require_safe
def api_home(request):
    """The API's landing page inside the site: where the reference lives, how to read and write, every resource."""
    from kb_site.api_router import router  # the router imports this module

    resources = sorted({(prefix, reverse(f"api:{basename}-list")) for prefix, _viewset, basename in router.registry})
    return render(request, "api_home.html", {"resources": resources})
