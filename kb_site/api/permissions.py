"""The API's default permission: anyone reads, model permissions guard writes."""

from rest_framework.permissions import DjangoModelPermissionsOrAnonReadOnly


class ModelPermissionsOrAnonReadOnly(DjangoModelPermissionsOrAnonReadOnly):
    """DRF's ``DjangoModelPermissionsOrAnonReadOnly``, except that a method the view does not implement at all is
    let through to the view, which answers 405 Method Not Allowed (not 401), so clients learn the truth."""

    def has_permission(self, request, view):
        if request.method not in getattr(view, "allowed_methods", [request.method]):
            return True
        return super().has_permission(request, view)
