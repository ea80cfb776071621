from django.urls import path

from taxonomy import snapshot_views, views

app_name = "taxonomy"

urlpatterns = [
    path("faults/", views.fault_list, name="fault-list"),
    path("faults/<str:code>/", views.fault_detail, name="fault-detail"),
    path("coverage/", views.coverage_dashboard, name="coverage"),
    path("sources/", views.sources, name="sources"),
    # Snapshots (taxonomy/snapshot_views.py); "new" and "diff" come before <slug:name>/.
    path("snapshots/", snapshot_views.snapshot_list, name="snapshot-list"),
    path("snapshots/new/", snapshot_views.snapshot_create, name="snapshot-create"),
    path("snapshots/diff/", snapshot_views.snapshot_diff, name="snapshot-diff"),
    path("snapshots/<slug:name>/", snapshot_views.snapshot_detail, name="snapshot-detail"),
]
