from django.urls import path

from challenges import views

app_name = "challenges"

urlpatterns = [
    path("evidence/", views.evidence_list, name="evidence-list"),
    path("evidence/artifacts/<int:pk>/", views.artifact_detail, name="artifact-detail"),
    path("evidence/interview-mentions/", views.mention_list, name="mention-list"),
    path("interviews/", views.interview_list, name="interview-list"),
    path("interviews/<int:number>/", views.interview_detail, name="interview-detail"),
    path("challenges/", views.challenge_list, name="challenge-list"),
    path("challenges/<slug:slug>/", views.challenge_detail, name="challenge-detail"),
]
