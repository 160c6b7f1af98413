"""Who manages webhooks: secretariat administrators (and superusers), as for the rest of the admin.

The endpoints hold signing secrets and decide where the tracker posts to, so reviewers, who
otherwise share the secretariat's reading rights, are left out."""

from accounts.models import User
from commitments.permissions import AnyUser


def can_manage_webhooks(user: AnyUser) -> bool:
    return isinstance(user, User) and user.is_active and (user.is_superuser or user.role == User.Role.SECRETARIAT_ADMIN)
