"""The filters of the compiled reports' list (the API's; the pages list the published reports)."""

import django_filters

from commitments.filtersets import LIST_HELP, CyclesFilter, ValuesFilter

from .models import CompiledReport


class ReportFilter(django_filters.FilterSet):
    cycle = CyclesFilter(field_name="cycle")
    edition = ValuesFilter(choices=CompiledReport.Edition.choices, help_text="An edition." + LIST_HELP)
    status = ValuesFilter(choices=CompiledReport.Status.choices, help_text="A compile's status." + LIST_HELP)

    class Meta:
        model = CompiledReport
        fields = ("cycle", "edition", "status")
