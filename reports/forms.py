from django import forms

from commitments.models import ReportingCycle

from .models import CompiledReport


class CompileForm(forms.Form):
    cycle = forms.ModelChoiceField(
        queryset=ReportingCycle.objects.order_by("-due_on"),
        error_messages={"invalid_choice": "Choose a reporting cycle from the list."},
    )
    edition = forms.ChoiceField(choices=CompiledReport.Edition.choices, initial=CompiledReport.Edition.SECRETARIAT)
