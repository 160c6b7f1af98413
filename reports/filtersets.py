"""The filters of the compiled reports' list (the API's; the pages list the published reports)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from commitments.filtersets import CyclesFilter, ValuesFilter, with_list_help

from .models import CompiledReport


class ReportFilter(django_filters.FilterSet):
    cycle = CyclesFilter(field_name="cycle")
    edition = ValuesFilter(choices=CompiledReport.Edition.choices, help_text=with_list_help(_("An edition.")))
    status = ValuesFilter(choices=CompiledReport.Status.choices, help_text=with_list_help(_("A compile's status.")))

    class Meta:
        model = CompiledReport
        fields = ("cycle", "edition", "status")
