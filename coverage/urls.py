from django.urls import path

from coverage import agreement_views, feeds, views

app_name = "coverage"

urlpatterns = [
    path("faults/", views.fault_list, name="fault-list"),
    path("faults/<str:code>/", views.fault_detail, name="fault-detail"),
    path("coverage/", views.coverage_dashboard, name="dashboard"),
    path("coverage/<slug:key>.csv", views.dashboard_csv, name="dashboard-csv"),
    path("sources/", views.sources, name="sources"),
    # "new" and "diff" come before <slug:name>/.
    path("snapshots/", views.snapshot_list, name="snapshot-list"),
    path("snapshots/new/", views.snapshot_create, name="snapshot-create"),
    path("snapshots/diff/", views.snapshot_diff, name="snapshot-diff"),
    path("snapshots/<slug:name>/", views.snapshot_detail, name="snapshot-detail"),
    path("agreement/", agreement_views.agreement, name="agreement"),
    path("agreement/queue/", agreement_views.agreement_queue, name="agreement-queue"),
    path("agreement/request/<slug:key>/", agreement_views.coding_request, name="coding-request"),
    path("agreement/codings/<uuid:uid>/start/", agreement_views.coding_start, name="coding-start"),
    path("agreement/codings/<uuid:uid>/code/", agreement_views.coding_create, name="coding-create"),
    path("agreement/codings/<uuid:uid>/adjudicate/", agreement_views.adjudication_create, name="adjudication-create"),
    # Releases: "new", "latest" and "feed" come before <version>/ (ReleaseForm refuses them as versions).
    path("releases/", views.release_list, name="release-list"),
    path("releases/new/", views.release_create, name="release-create"),
    path("releases/latest/", views.release_latest, name="release-latest"),
    path("releases/feed/", feeds.release_feed, name="release-feed"),
    path("releases/<str:version>/", views.release_detail, name="release-detail"),
    path("releases/<str:version>/download/", views.release_download, name="release-download"),
]
