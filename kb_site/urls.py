from django.contrib import admin
from django.urls import include, path

from coverage import views as coverage_views
from kb_site import health
from kb_site.api import views as api_views
from search import views as search_views

urlpatterns = [
    path("", coverage_views.home, name="home"),
    path("search/", search_views.search, name="search"),
    path("api-guide/", api_views.api_home, name="api-home"),
    path("", include("coverage.urls")),
    path("papers/", include("papers.urls")),
    path("", include("challenges.urls")),
    path("", include("triage.urls")),
    path("accounts/", include("accounts.auth_urls")),
    path("accounts/", include("accounts.urls")),
    path("api/", include("kb_site.api_router")),
    path("admin/", admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
]

# Oversize form data is a 413 like any oversize body; a database error raised outside a view (middleware,
# session save) is answered 503, not 500. Both answer JSON under /api/.
handler400 = "kb_site.middleware.bad_request"
handler500 = "kb_site.middleware.server_error"
