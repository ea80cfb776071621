from django.urls import path

from coverage import views

app_name = "coverage"

urlpatterns = [
    path("agreement/", views.agreement, name="agreement"),
    path("agreement/queue/", views.agreement_queue, name="agreement-queue"),
    path("agreement/request/<slug:key>/", views.coding_request, name="coding-request"),
    path("agreement/codings/<uuid:uid>/code/", views.coding_create, name="coding-create"),
    path("agreement/codings/<uuid:uid>/adjudicate/", views.adjudication_create, name="adjudication-create"),
]
