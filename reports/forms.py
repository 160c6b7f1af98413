from django import forms
from django.utils.translation import gettext_lazy as _

from commitments.models import ReportingCycle, TextLanguage

from .models import CompiledReport


class CompileForm(forms.Form):
    cycle = forms.ModelChoiceField(
        queryset=ReportingCycle.objects.order_by("-due_on"),
        label=_("Cycle"),
        error_messages={"invalid_choice": _("Choose a reporting cycle from the list.")},
    )
    edition = forms.ChoiceField(
        label=_("Edition"), choices=CompiledReport.Edition.choices, initial=CompiledReport.Edition.SECRETARIAT
    )
    language = forms.TypedChoiceField(
        label=_("Language"),
        choices=TextLanguage.choices,
        initial=TextLanguage.ENGLISH,
        required=False,
        empty_value=TextLanguage.ENGLISH.value,
        help_text=_("Of the labels, dates and numbers; narratives stay in the language their members wrote them in."),
    )


class PublishForm(forms.Form):
    """The confirmation of a publication. The reason's rules (when one is needed) are the
    service's; the form only asks that the person confirm what they are doing."""

    confirm = forms.BooleanField(
        label=_("I have read this edition: it may be made public."),
        error_messages={"required": _("Confirm that this edition may be made public.")},
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Needed when this report replaces a published one, or is published again after a withdrawal."),
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is the report withdrawn?"),
        required=False,  # required by the service, whose message says why
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept with the report and in its history."),
    )
