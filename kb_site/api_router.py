"""Every REST resource is registered here and mounted at /api/ (route names api:<basename>-list/-detail)."""

from rest_framework.routers import DefaultRouter

app_name = "api"

router = DefaultRouter()

urlpatterns = router.urls
