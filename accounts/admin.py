from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm

from .models import User


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
