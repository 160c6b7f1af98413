from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from .languages import in_language_of
from .models import ApiKey, Invitation, User


class SignInForm(AuthenticationForm):
    """Django's sign-in form, asking for the email address people sign in with."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Email address")
        self.fields["username"].widget = forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True})


class CodeForm(forms.Form):
    token = forms.CharField(
        label=_("Code"),
        max_length=32,
        help_text=_("The 6-digit code from your authenticator app, or one of your recovery codes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}),
    )

    def clean_token(self) -> str:
        return "".join(str(self.cleaned_data["token"]).split())


class NewPasswordForm(forms.Form):
    """Choose a password (for an invitation): Django's password rules apply."""

    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Password again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args: Any, invitation: Invitation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.invitation = invitation
        # The password rules, said in the language of this request (not that of the import).
        self.fields["password1"].help_text = password_validation.password_validators_help_text_html()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            person = User(email=self.invitation.email, full_name=self.invitation.full_name)
            try:
                password_validation.validate_password(first, user=person)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class InvitationForm(forms.ModelForm[Invitation]):
    class Meta:
        model = Invitation
        fields = ("email", "full_name", "role", "member_state")


class ApiKeyForm(forms.Form):
    """A key for one's own REST client; the scopes offered are those of the person's role."""

    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("What the key is for, e.g. the client's name."))
    scope = forms.ChoiceField(label=_("What the key may do"))
    days = forms.IntegerField(
        label=_("Valid for (days)"),
        min_value=1,
        # Bounded here too, so that an absurd number is a form error, not an overflow.
        max_value=settings.API_KEY_MAX_DAYS,
        help_text=_("The key stops working after this many days."),
    )
    code = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=16,
        required=False,
        help_text=_("Needed for a secretariat review key."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        scopes = ApiKey.scopes_for(user)
        scope_field = self.fields["scope"]
        assert isinstance(scope_field, forms.ChoiceField)
        scope_field.choices = [(scope.value, scope.label) for scope in scopes]
        self.fields["days"].initial = settings.API_KEY_DEFAULT_DAYS
        if ApiKey.Scope.REVIEW not in scopes:
            del self.fields["code"]

    def clean_code(self) -> str:
        return "".join(str(self.cleaned_data.get("code") or "").split())


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's, with the email written in the account's own language (the person asking may be
    reading the page in another)."""

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        user = context.get("user")
        with in_language_of(user.language if isinstance(user, User) else ""):
            super().send_mail(
                subject_template_name, email_template_name, context, from_email, to_email, html_email_template_name
            )
