"""People who use the tracker: national contact points and secretariat staff."""

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q


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
        NATIONAL_CONTACT = "national_contact", "National contact point"
        SECRETARIAT_REVIEWER = "secretariat_reviewer", "Secretariat reviewer"
        SECRETARIAT_ADMIN = "secretariat_admin", "Secretariat administrator"

    username = None  # type: ignore[assignment]
    email = models.EmailField("email address", unique=True)
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

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects = AccountManager()  # type: ignore[misc]

    class Meta:
        ordering = ["email"]
        constraints = [
            models.CheckConstraint(
                name="%(app_label)s_%(class)s_contact_has_member_state",
                condition=(
                    Q(role="national_contact", member_state__isnull=False)
                    | (~Q(role="national_contact") & Q(member_state__isnull=True))
                ),
                violation_error_message="A national contact belongs to one member state; secretariat staff to none.",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    @property
    def is_secretariat(self) -> bool:
        return self.role in (self.Role.SECRETARIAT_REVIEWER, self.Role.SECRETARIAT_ADMIN)
