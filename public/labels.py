"""The words of the map's states. Where a member's report stands in a published cycle is a code of
the report's data, worded by `reports.labels` (the one home for the report's codes); the map adds
two cases of its own: a member that was not one on the cycle's due date, and no published report."""

from django.utils.translation import gettext_lazy as _

from reports.labels import PublicState, submission_label

NOT_IN_CYCLE = "not_in_cycle"
NO_PUBLICATION = "no_publication"
# The order of the map's legend.
MAP_STATES = (*PublicState.values, NOT_IN_CYCLE, NO_PUBLICATION)
_MAP_ONLY = {
    NOT_IN_CYCLE: _("Not yet a member on the cycle's due date"),
    NO_PUBLICATION: _("No report published yet"),
}


def state_label(code: str) -> str:
    """Where a member's report stands, in words: "Accepted", "Not submitted", ..."""
    return str(_MAP_ONLY[code]) if code in _MAP_ONLY else submission_label(code)
