"""People who use the tracker: national contact points and secretariat staff."""

import hashlib
from datetime import datetime
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _


def contact_member_state_constraint(message: str) -> models.CheckConstraint:
    """A national contact has exactly one member state; secretariat staff have none."""
    return models.CheckConstraint(
        name="%(app_label)s_%(class)s_contact_has_member_state",
        condition=(
            Q(role="national_contact", member_state__isnull=False)
            | (~Q(role="national_contact") & Q(member_state__isnull=True))
        ),
        violation_error_message=message,
    )


class AccountManager(UserManager["User"]):
    """Users sign in with their email address; there is no separate user name."""

    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra_fields: Any) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(  # type: ignore[override]
        self, email: str, password: str | None = None, **extra_fields: Any
    ) -> "User":
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(  # type: ignore[override]
        self, email: str, password: str | None = None, **extra_fields: Any
    ) -> "User":
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        extra_fields.setdefault("role", User.Role.SECRETARIAT_ADMIN)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    class Role(models.TextChoices):
        NATIONAL_CONTACT = "national_contact", _("National contact point")
        SECRETARIAT_REVIEWER = "secretariat_reviewer", _("Secretariat reviewer")
        SECRETARIAT_ADMIN = "secretariat_admin", _("Secretariat administrator")

    username = None  # type: ignore[assignment]
    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(max_length=200, blank=True)
    role = models.CharField(max_length=32, choices=Role.choices, default=Role.NATIONAL_CONTACT)
    # A national contact speaks for exactly one member state; secretariat staff for none.
    member_state = models.ForeignKey(
        "commitments.MemberState",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contacts",
    )

    # The language the person chose (the chooser on every page); blank: their browser's.
    language = models.CharField(max_length=8, blank=True, choices=settings.LANGUAGES, default="")

    # Part of every session's authentication hash: bumping it ends all of the user's sessions
    # (sign-out, deactivation, password change), wherever they are.
    session_generation = models.PositiveIntegerField(default=0, editable=False)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects = AccountManager()  # type: ignore[misc]

    class Meta:
        ordering = ["email"]
        constraints = [
            contact_member_state_constraint(
                "A national contact belongs to one member state; secretariat staff to none."
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    @property
    def is_secretariat(self) -> bool:
        return self.role in (self.Role.SECRETARIAT_REVIEWER, self.Role.SECRETARIAT_ADMIN)

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        key_salt = "accounts.User.session_auth_hash"
        value = f"{self.password}:{self.session_generation}"
        return salted_hmac(key_salt, value, secret=secret, algorithm="sha256").hexdigest()


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Invitation(models.Model):
    """A one-time, expiring link by which a new person sets their password and joins."""

    email = models.EmailField()
    role = models.CharField(max_length=32, choices=User.Role.choices)
    member_state = models.ForeignKey("commitments.MemberState", on_delete=models.CASCADE, null=True, blank=True)
    full_name = models.CharField(max_length=200, blank=True)
    # The language of the invitation's email, and of the account it opens (the person can change it).
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE)
    # Only a digest of the token is kept: the link itself exists only in the email.
    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(editable=False)
    accepted_at = models.DateTimeField(null=True, blank=True, editable=False)
    user = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            contact_member_state_constraint(
                "A national contact is invited for one member state; secretariat staff for none."
            ),
        ]

    def __str__(self) -> str:
        return f"Invitation for {self.email}"

    def is_expired(self, now: datetime | None = None) -> bool:
        return (now or timezone.now()) >= self.expires_at


class ApiKey(models.Model):
    """A key for REST clients: `Authorization: Token <key>`. Only its SHA-256 digest is stored.

    A key acts for its owner within its scope, and never beyond the owner's role: reading published
    data, writing the owner's country's reports, or the secretariat's review. A review key can only
    be created by its owner right after giving the second factor (see `accounts.services`).
    """

    class Scope(models.TextChoices):
        READ = "read", _("Read published data")
        REPORT = "report", _("Write my country's reports")
        REVIEW = "review", _("Secretariat review")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100, help_text="What the key is for, e.g. the client's name.")
    prefix = models.CharField(max_length=16, unique=True, editable=False, help_text="Identifies the key.")
    digest = models.CharField(max_length=64, unique=True, editable=False)
    scope = models.CharField(max_length=16, choices=Scope.choices, default=Scope.READ)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # Every key ends: a leaked key is not power for ever.
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "API key"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name}, {self.user.email})"

    @staticmethod
    def scopes_for(user: User) -> list["ApiKey.Scope"]:
        """The scopes a key of this person may have: what their role can do through the API."""
        if user.is_secretariat:
            return [ApiKey.Scope.READ, ApiKey.Scope.REVIEW]
        return [ApiKey.Scope.READ, ApiKey.Scope.REPORT]

    @property
    def read_only(self) -> bool:
        return self.scope == self.Scope.READ

    def is_usable(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and now < self.expires_at
