"""Every REST resource is registered here and mounted at /api/ (route names api:<basename>-list/-detail)."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from challenges.api.views import (
    ChallengeViewSet,
    GitHubArtifactViewSet,
    InterviewMentionViewSet,
    InterviewViewSet,
    StackOverflowPostViewSet,
)
from coverage.api.agreement import AgreementViewSet
from coverage.api.releases import ReleaseViewSet
from coverage.api.snapshots import SnapshotDiffViewSet
from coverage.api.views import CoverageViewSet, MethodViewSet, SnapshotViewSet
from datasets.api.views import DatasetExportView
from kb_site.api.views import RedocView, api_not_found, redoc_bundle
from papers.api.views import CodingViewSet, FaultMappingViewSet, PaperViewSet, RetractionViewSet, SubmissionViewSet
from taxonomy.api.views import FaultViewSet, ReportedFigureViewSet, SourceViewSet
from triage.api.views import ClassifyView

app_name = "api"

router = DefaultRouter()
router.register("coverage", CoverageViewSet, basename="coverage")
router.register("agreement", AgreementViewSet, basename="agreement")
router.register("faults", FaultViewSet, basename="fault")
router.register("methods", MethodViewSet, basename="method")
router.register("sources", SourceViewSet, basename="source")
router.register("reported-figures", ReportedFigureViewSet, basename="reported-figure")
router.register("snapshots", SnapshotViewSet, basename="snapshot")
router.register("snapshot-diff", SnapshotDiffViewSet, basename="snapshot-diff")
router.register("releases", ReleaseViewSet, basename="release")

router.register("papers", PaperViewSet, basename="paper")
router.register("mappings", FaultMappingViewSet, basename="mapping")
router.register("codings", CodingViewSet, basename="coding")
router.register("github-artifacts", GitHubArtifactViewSet, basename="github-artifact")
router.register("stackoverflow-posts", StackOverflowPostViewSet, basename="stackoverflow-post")
router.register("interviews", InterviewViewSet, basename="interview")
router.register("interview-mentions", InterviewMentionViewSet, basename="interview-mention")
router.register("challenges", ChallengeViewSet, basename="challenge")
router.register("submissions", SubmissionViewSet, basename="submission")
router.register("retractions", RetractionViewSet, basename="retraction")


urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", RedocView.as_view(url_name="api:schema"), name="redoc"),
    path("redoc/redoc.standalone.js", redoc_bundle, name="redoc-bundle"),
    path("export/dataset/", DatasetExportView.as_view(), name="export-dataset"),
    path("classify/", ClassifyView.as_view(), name="classify"),
    *router.urls,
    # Anything else under /api/ is a JSON 404, not the HTML error page.
    re_path(r"^.*$", api_not_found, name="not-found"),
]
