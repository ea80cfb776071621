from django.urls import path

from papers import feeds, views

app_name = "papers"

urlpatterns: list = [
    path("", views.paper_list, name="paper-list"),
    path("related/", views.related_list, name="related-list"),
    # Atom feeds (papers/feeds.py): newly approved mappings, all or under one fault, and retractions.
    path("feeds/mappings/", feeds.approved_mapping_feed, name="mapping-feed"),
    path("feeds/mappings/<str:code>/", feeds.approved_mapping_feed, name="mapping-feed-fault"),
    path("feeds/retractions/", feeds.retraction_feed, name="retraction-feed"),
    # Submitting and reviewing; before <slug:key>/, which would catch "submissions".
    path("submissions/", views.submission_list, name="submission-list"),
    path("submissions/new/", views.submission_create, name="submission-create"),
    path("submissions/lookup/", views.submission_lookup, name="submission-lookup"),
    path("submissions/review/", views.review_queue, name="review-queue"),
    path("submissions/<uuid:uid>/", views.submission_detail, name="submission-detail"),
    path("submissions/<uuid:uid>/edit/", views.submission_edit, name="submission-edit"),
    path("submissions/<uuid:uid>/review/", views.review_detail, name="review-detail"),
    path("submissions/<uuid:uid>/review/edit/", views.review_edit, name="review-edit"),
    path("submissions/<uuid:uid>/claim/", views.review_claim, name="review-claim"),
    path("submissions/<uuid:uid>/release/", views.review_release, name="review-release"),
    path("submissions/<uuid:uid>/decide/", views.review_decide, name="review-decide"),
    path("mappings/<uuid:uid>/retract/", views.mapping_retract, name="mapping-retract"),
    path("<slug:key>/", views.paper_detail, name="paper-detail"),
]
