from django.urls import path

from taxonomy import views

app_name = "taxonomy"

urlpatterns = [
    path("faults/", views.fault_list, name="fault-list"),
    path("faults/<str:code>/", views.fault_detail, name="fault-detail"),
]
