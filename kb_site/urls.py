from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("taxonomy.urls")),
    path("papers/", include("papers.urls")),
    path("", include("challenges.urls")),
    path("api/", include("kb_site.api_router")),
    path("admin/", admin.site.urls),
]
