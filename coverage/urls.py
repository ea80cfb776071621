from django.urls import path

from coverage import views

app_name = "coverage"

urlpatterns = [
    path("coverage/", views.coverage_dashboard, name="dashboard"),
    path("sources/", views.sources, name="sources"),
    # "new" and "diff" come before <slug:name>/.
    path("snapshots/", views.snapshot_list, name="snapshot-list"),
    path("snapshots/new/", views.snapshot_create, name="snapshot-create"),
    path("snapshots/diff/", views.snapshot_diff, name="snapshot-diff"),
    path("snapshots/<slug:name>/", views.snapshot_detail, name="snapshot-detail"),
]
