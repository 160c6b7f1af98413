"""Who is signed in, and the permissions that follow from a person's role (so that rights are
checked with has_perm())."""

from typing import Any

from django.contrib.auth.backends import ModelBackend

from .models import User

REVIEWER_PERMISSIONS = frozenset(
    {
        "commitments.review_submission",
        "commitments.view_submission",
        "commitments.view_progressupdate",
        "commitments.view_commitment",
        "commitments.view_historyentry",
    }
)
# Secretariat administrators manage everything in these apps (cycles, member states, accounts).
ADMIN_APPS = frozenset({"accounts", "commitments", "reports", "webhooks", "django_celery_beat"})


class RoleBackend:
    """Grants rights only; it neither signs people in nor loads them (no `get_user`), so that the
    model backend stays the one that sessions name."""

    def authenticate(self, request: Any, **credentials: Any) -> None:
        return None

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        if not isinstance(user_obj, User) or not user_obj.is_active:
            return False
        if user_obj.role == User.Role.SECRETARIAT_ADMIN:
            return perm in REVIEWER_PERMISSIONS or perm.split(".", 1)[0] in ADMIN_APPS
        if user_obj.role == User.Role.SECRETARIAT_REVIEWER:
            return perm in REVIEWER_PERMISSIONS
        return False

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        if not isinstance(user_obj, User) or not user_obj.is_active:
            return False
        return user_obj.role == User.Role.SECRETARIAT_ADMIN and app_label in ADMIN_APPS


class AccountBackend(ModelBackend):
    """Django's model backend, loading the signed-in person with their member state, which every
    page of a national contact shows: one query fewer on each of their requests."""

    def get_user(self, user_id: Any) -> User | None:
        user = User._default_manager.select_related("member_state").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
