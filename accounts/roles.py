"""Roles: who may do what.

* **researcher** — every signed-in user (the default on sign-up): may submit papers and mappings and sees
  their own submissions.
* **curator** — a member of the ``curators`` group (created by ``accounts/migrations/0001_roles.py``): may
  review submissions, edit records (in the app and the admin) and retract approved mappings, and freeze
  snapshots. What a curator may do is decided by the group's permissions, checked with ``user.has_perm``.
* **admin** — a superuser, through the Django admin.
"""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.models import Group, Permission
from django.db.models import Q

CURATORS_GROUP = "curators"

# The permissions each curator action needs (the curators group holds them; superusers hold all).
REVIEW_PERMISSION = "papers.change_submission"
RETRACT_PERMISSION = "papers.change_faultmapping"
SNAPSHOT_PERMISSION = "coverage.add_snapshot"

# Curators may add, change and view every curated record; they never delete (history is kept, mappings are
# retracted instead). The data migration applies the same rule.
CURATOR_APPS = ("papers", "taxonomy", "challenges", "coverage")
CURATOR_ACTIONS = ("add", "change", "view")
# History rows are written by django-simple-history only; a frozen snapshot or a published release never changes.
CURATOR_EXCLUDED = Q(codename__contains="historical") | Q(
    codename__in=["change_snapshot", "add_snapshotentry", "change_snapshotentry", "change_release"]
)


def is_curator(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.has_perm(REVIEW_PERMISSION))


def curator_permissions():
    """The permissions the curators group holds (one query)."""
    actions = reduce(or_, (Q(codename__startswith=f"{action}_") for action in CURATOR_ACTIONS))
    return Permission.objects.filter(actions, content_type__app_label__in=CURATOR_APPS).exclude(CURATOR_EXCLUDED)


def curators_group() -> Group:
    """The curators group with its permissions, created if a flushed test database lost it."""
    group, _ = Group.objects.get_or_create(name=CURATORS_GROUP)
    group.permissions.add(*curator_permissions())
    return group


def make_curator(user) -> None:
    """Give ``user`` the curator role: the curators group, and staff status so the admin is open to them."""
    user.groups.add(curators_group())
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])


def permission_or_login(permission: str):
    """Views for a role: anonymous users are sent to sign in, signed-in users without ``permission`` get 403."""

    def decorator(view):
        return login_required(permission_required(permission, raise_exception=True)(view))

    return decorator


curator_required = permission_or_login(REVIEW_PERMISSION)
