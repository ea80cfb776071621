from django.urls import path

from triage import views

app_name = "triage"

urlpatterns = [
    path("classify/", views.classify, name="classify"),
]
