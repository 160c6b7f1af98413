from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from . import services
from .models import ApiKey, Invitation, User


class AccountCreationForm(UserCreationForm[User]):
    class Meta:
        model = User
        fields = ("email", "full_name", "role", "member_state")


class AccountChangeForm(UserChangeForm[User]):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin[User]):
    form = AccountChangeForm
    add_form = AccountCreationForm
    list_display = ("email", "full_name", "role", "member_state", "is_active", "last_login")
    list_filter = ("role", "is_active", "is_staff", "member_state")
    list_select_related = ("member_state",)
    search_fields = ("email", "full_name", "member_state__name", "member_state__iso_code")
    ordering = ("email",)
    autocomplete_fields = ("member_state",)
    actions = ("deactivate",)
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Person", {"fields": ("full_name", "role", "member_state")}),
        ("Access", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "full_name", "role", "member_state", "password1", "password2"),
            },
        ),
    )

    def _actor(self, request: HttpRequest) -> User:
        assert isinstance(request.user, User)
        return request.user

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        deactivating = change and "is_active" in form.changed_data and not obj.is_active
        super().save_model(request, obj, form, change)
        if deactivating:
            # Deactivation also ends every session of the account.
            services.account_deactivate(user=obj, actor=self._actor(request), request=request)

    @admin.action(description="Deactivate the selected accounts (ends their sessions)")
    def deactivate(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset.filter(is_active=True):
            services.account_deactivate(user=user, actor=self._actor(request), request=request)
        messages.success(request, "The accounts are deactivated and their sessions ended.")


class InvitationAdminForm(forms.ModelForm[Invitation]):
    class Meta:
        model = Invitation
        fields = ("email", "full_name", "role", "member_state", "language")

    def clean_email(self) -> str:
        email = str(self.cleaned_data["email"]).lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("An account with this email address exists already.")
        return email


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin[Invitation]):
    """Invite a national contact (for a member state) or secretariat staff; the email carries the link."""

    form = InvitationAdminForm
    list_display = ("email", "role", "member_state", "created_by", "created_at", "expires_at", "accepted_at")
    list_filter = ("role", "member_state")
    list_select_related = ("member_state", "created_by")
    search_fields = ("email", "full_name")
    autocomplete_fields = ("member_state",)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Invitation, form: Any, change: bool) -> None:
        assert isinstance(request.user, User)
        sent = services.invitation_send(
            email=obj.email,
            role=obj.role,
            member_state=obj.member_state,
            full_name=obj.full_name,
            language=obj.language,
            actor=request.user,
            request=request,
        )
        obj.pk = sent.pk
        messages.info(request, f"The invitation was emailed to {sent.email}.")


class ApiKeyAdminForm(forms.ModelForm[ApiKey]):
    class Meta:
        model = ApiKey
        fields = ("user", "name", "scope", "expires_at")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Review keys are created by their owners with the second factor (the account page), never
        # for someone else; without an expiry a key lives API_KEY_DEFAULT_DAYS.
        scope = self.fields["scope"]
        assert isinstance(scope, forms.ChoiceField)
        scope.choices = [(s.value, s.label) for s in (ApiKey.Scope.READ, ApiKey.Scope.REPORT)]
        self.fields["expires_at"].required = False


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin[ApiKey]):
    """The secretariat issues keys here; the key is shown once, on the page after saving."""

    form = ApiKeyAdminForm
    list_display = ("prefix", "name", "user", "scope", "created_at", "expires_at", "revoked_at", "last_used_at")
    list_filter = ("scope",)
    list_select_related = ("user",)
    search_fields = ("prefix", "name", "user__email")
    autocomplete_fields = ("user",)
    actions = ("revoke",)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: ApiKey, form: Any, change: bool) -> None:
        assert isinstance(request.user, User)
        try:
            key, raw = services.api_key_issue(
                user=obj.user, actor=request.user, name=obj.name, scope=obj.scope, expires_at=obj.expires_at
            )
        except ValidationError as error:
            messages.error(request, "; ".join(error.messages))
            return
        obj.pk = key.pk
        messages.warning(request, f"The new key is {raw} — copy it now: it is not shown again.")

    @admin.action(description="Revoke the selected keys")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        assert isinstance(request.user, User)
        for key in queryset.select_related("user"):
            services.api_key_revoke(key=key, actor=request.user, request=request)
        messages.success(request, "The keys are revoked.")
