"""``/api/releases/``: published releases, their citation and their ATT&CK Navigator-style layers.

* ``/api/releases/`` and ``/api/releases/<version>/``: metadata, figures, diff, download address.
* ``/api/releases/<version>/cite/``: BibTeX, RIS and CSL-JSON (``?format=bibtex|ris|csljson``; JSON: all three).
* ``/api/releases/<version>/layer/``: the release's layer (leaves scored 2 addressed / 1 partial / 0 unaddressed).
* ``/api/releases/<version>/compare-layer/?with=<other version>``: score = change of status from ``with`` to this
  release (-2 … +2; positive = better covered now).
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.viewsets import ReadOnlyModelViewSet

from coverage import coverage
from coverage.api.views import LAYER_COLOURS, LAYER_SCORES, navigator_layer
from coverage.models import Release
from coverage.release_files import release_csl
from coverage.releases import download_url
from kb_site.api.params import LOOKUP_REGEX
from kb_site.api.renderers import BibTeXRenderer, CSLJSONRenderer, RISRenderer
from kb_site.citations import formats, to_bibtex
from taxonomy.tree import build_tree


class ReleaseSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:release-detail", lookup_field="version")
    page = serializers.URLField(source="url", read_only=True, help_text="The release page (landing page).")
    snapshot = serializers.SlugRelatedField(slug_field="name", read_only=True)
    previous = serializers.SlugRelatedField(slug_field="version", read_only=True)
    download = serializers.SerializerMethodField()

    class Meta:
        model = Release
        fields = [
            "url",
            "page",
            "version",
            "name",
            "description",
            "release_notes",
            "date",
            "licence",
            "snapshot",
            "previous",
            "published_at",
            "published_by",
            "figures",
            "changes",
            "download",
            "archive_sha256",
            "archive_size",
        ]

    def get_download(self, release: Release) -> str:
        return download_url(release)


CITE_RENDERERS = [BibTeXRenderer, RISRenderer, CSLJSONRenderer]

STATUS_RANK = LAYER_SCORES


def comparison_layer(before: Release, after: Release) -> dict:
    """A layer whose leaf scores are the change of status from ``before`` to ``after`` (rank 2/1/0, so -2 … +2)."""
    tree = build_tree()
    old = {row.code: row for row in coverage.compute(snapshot=before.snapshot, tree=tree).rows}
    new = coverage.compute(snapshot=after.snapshot, tree=tree).rows
    techniques = []
    for row in new:
        if not row.is_leaf:
            continue
        was = old[row.code].status
        score = STATUS_RANK[row.status] - STATUS_RANK[was]
        techniques.append(
            {
                "techniqueID": row.code,
                "score": score,
                "comment": f"{was.label} → {row.status.label}",
                "enabled": True,
                "metadata": [{"name": "name", "value": row.fault.name}],
            }
        )
    return {
        "name": f"ML debugging fault coverage: {before.version} → {after.version}",
        "versions": {"layer": "4.5", "navigator": "5.1.0"},
        "domain": "ml-debugging-faults",
        "description": (
            f"Change of each leaf's coverage status from release {before.version} to release {after.version}: "
            "score = rank after − rank before (addressed 2, partially addressed 1, unaddressed 0)."
        ),
        "sorting": 0,
        "hideDisabled": False,
        "techniques": techniques,
        "gradient": {
            "colors": [LAYER_COLOURS[coverage.Status.UNADDRESSED], "#ffffff", LAYER_COLOURS[coverage.Status.ADDRESSED]],
            "minValue": -2,
            "maxValue": 2,
        },
        "legendItems": [
            {"label": "better covered", "color": LAYER_COLOURS[coverage.Status.ADDRESSED]},
            {"label": "unchanged", "color": "#ffffff"},
            {"label": "less covered", "color": LAYER_COLOURS[coverage.Status.UNADDRESSED]},
        ],
        "metadata": [{"name": "from", "value": before.version}, {"name": "to", "value": after.version}],
    }


class ReleaseViewSet(ReadOnlyModelViewSet):
    """Published releases (immutable): metadata, figures, diff to the previous release, download address."""

    queryset = Release.objects.for_list()
    serializer_class = ReleaseSerializer
    lookup_field = "version"
    lookup_value_regex = LOOKUP_REGEX
    filter_backends = []

    @extend_schema(
        parameters=[OpenApiParameter("format", str, enum=["json", *(r.format for r in CITE_RENDERERS)])],
        responses={200: OpenApiTypes.OBJECT},
    )
    @action(detail=True, renderer_classes=[*api_settings.DEFAULT_RENDERER_CLASSES, *CITE_RENDERERS])
    def cite(self, request, version=None):
        """The release's citation: ``?format=bibtex``, ``ris`` or ``csljson``; JSON (the default) holds all three."""
        item = release_csl(self.get_object())
        fmt = request.accepted_renderer.format
        if fmt == BibTeXRenderer.format:
            return Response(to_bibtex([item]))
        if fmt in (RISRenderer.format, CSLJSONRenderer.format):
            return Response(item)
        return Response(formats(item))

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    @action(detail=True)
    def layer(self, request, version=None):
        """The release's ATT&CK Navigator-style layer (computed from its frozen snapshot)."""
        release = self.get_object()
        data = coverage.compute(snapshot=release.snapshot)
        layer = navigator_layer(data, {"snapshot": release.snapshot.name, "as_of": None})
        layer["name"] = f"ML debugging fault coverage, release {release.version}"
        return Response(layer)

    @extend_schema(
        parameters=[OpenApiParameter("with", str, required=True, description="The version to compare with.")],
        responses={200: OpenApiTypes.OBJECT},
    )
    @action(detail=True, url_path="compare-layer")
    def compare_layer(self, request, version=None):
        """A layer scoring each leaf by its change of status from release ``with`` to this release."""
        release = self.get_object()
        other_version = request.query_params.get("with", "")
        other = Release.objects.for_list().filter(version=other_version).first()
        if other is None:
            raise ValidationError({"with": [f"No release “{other_version}”." if other_version else "Required."]})
        return Response(comparison_layer(other, release))
