"""Forms of the reporting pages. They parse and validate input; the services make the changes."""

from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import MaxValueValidator
from django.forms import formset_factory
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import (
    FIGURE_FIELDS,
    UPDATE_FIELDS,
    Commitment,
    OperationalGoal,
    PolicyTarget,
    PotentialAction,
    ProgressUpdate,
)
from .models.wording import mark_option_language, marked_text
from .services import MilestoneData
from .uploads import ALLOWED, ALLOWED_LABELS, MACRO_ENABLED, DetectedType, detect_type, extension_of


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class ProgressUpdateForm(forms.ModelForm[ProgressUpdate]):
    """One commitment's update. `version` is the version the person started from (0: new)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    class Meta:
        model = ProgressUpdate
        fields = UPDATE_FIELDS
        widgets = {"narrative": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, commitment: Commitment, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commitment = commitment
        # The model's rules (ProgressUpdate.clean) know the commitment: a figure its goal does not
        # measure is refused there, for this form as for the API and the services.
        self.instance.commitment = commitment
        percent = self.fields["completion_percent"]
        # The model's field already refuses negative numbers (one message, not two).
        percent.validators += [MaxValueValidator(100)]
        percent.widget.attrs.update({"min": 0, "max": 100, "step": 1})
        self.fields["version"].initial = self.instance.version if self.instance.pk else 0

    def figure_fields(self) -> list[forms.BoundField]:
        """The figures to ask for: only those the commitment's operational goal measures."""
        return [self[name] for name in self.commitment.figure_fields]

    def update_values(self) -> dict[str, Any]:
        # Figures the page did not ask for are left as they are (a post that names one is refused
        # by the model's rule before this is called).
        asked = set(self.commitment.figure_fields)
        return {
            name: self.cleaned_data[name]
            for name in UPDATE_FIELDS
            if name not in (*FIGURE_FIELDS, "figures_source") or name in asked
        }


class MilestoneForm(forms.Form):
    due_on = forms.DateField(label=_("Date"), widget=DateInput())
    title = forms.CharField(label=_("Milestone"), max_length=300)
    done = forms.BooleanField(label=_("Done"), required=False)


MilestoneFormSet = formset_factory(MilestoneForm, extra=1, can_delete=True, max_num=50, validate_max=True)


def milestones_from(formset: Any) -> list[MilestoneData]:
    return sorted(
        (
            MilestoneData(f.cleaned_data["due_on"], f.cleaned_data["title"], f.cleaned_data.get("done", False))
            for f in formset.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ),
        key=lambda m: (m.due_on, m.title),
    )


class EvidenceForm(forms.Form):
    file = forms.FileField(label=_("Evidence file"))

    def __init__(self, *args: Any, unsafe_names: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.unsafe_names = unsafe_names or []
        self.detected: DetectedType | None = None
        limit_mb = settings.EVIDENCE_MAX_BYTES / (1024 * 1024)
        self.fields["file"].help_text = gettext("%(types)s; up to %(size)s MB.") % {
            "types": ALLOWED_LABELS,
            "size": f"{limit_mb:g}",
        }

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        if self.unsafe_names:
            raise forms.ValidationError(
                gettext("The file name must be a plain name, without folders or special characters.")
            )
        limit = settings.EVIDENCE_MAX_BYTES
        if upload.size is not None and upload.size > limit:
            raise forms.ValidationError(
                gettext("The file is larger than the limit of %(size)s MB.") % {"size": f"{limit / (1024 * 1024):g}"}
            )
        detected = detect_type(upload)
        if detected is MACRO_ENABLED:
            raise forms.ValidationError(
                gettext("Files with macros are refused: save it without them and attach it again.")
            )
        if detected not in ALLOWED:
            raise forms.ValidationError(
                gettext("This file's content is not one of the accepted types (%(types)s).") % {"types": ALLOWED_LABELS}
            )
        extension = extension_of(upload.name or "")
        if extension not in detected.accepted_extensions:
            raise forms.ValidationError(
                gettext(
                    "The file's content is %(type)s, but its name ends in “%(extension)s”. Name it with %(accepted)s."
                )
                % {
                    "type": detected.label,
                    "extension": extension or gettext("nothing"),
                    "accepted": gettext(" or ").join(detected.accepted_extensions),
                }
            )
        self.detected = detected
        return upload


class ReviewCommentForm(forms.Form):
    body = forms.CharField(
        label=_("Comment for the contacts (without returning the update)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=5000,
    )


class DecisionForm(forms.Form):
    """Accept or return: carries the version of the submission the reviewer looked at."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class AcceptForm(DecisionForm):
    confirm = forms.BooleanField(
        label=_("I have reviewed every update; accepting locks the report"),
        error_messages={"required": _("Tick the box to confirm that you have reviewed every update.")},
    )


class ExtensionForm(forms.Form):
    due_on = forms.DateField(label=_("New due date"), widget=DateInput())


class WordingSelect(forms.Select):
    """A choice of reference texts, each option marked with the language of its words."""

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(*args, **kwargs)
        return mark_option_language(option)


def _reference_label(obj: Any) -> str:
    """A target, goal or action as the reader reads it: its number and its words in their language."""
    text = marked_text(obj.wording(obj.worded_as))
    if isinstance(obj, OperationalGoal):
        return gettext("Goal %(number)s: %(text)s") % {"number": obj.number, "text": text}
    if isinstance(obj, PotentialAction):
        return gettext("Action %(number)s: %(text)s") % {"number": obj.number, "text": text}
    return f"{obj.number}. {text}"


class PledgeForm(forms.ModelForm[Commitment]):
    class Meta:
        model = Commitment
        fields = ("target", "goal", "action", "title", "description", "planned_start", "planned_end", "status")
        widgets = {
            "target": WordingSelect,
            "goal": WordingSelect,
            "action": WordingSelect,
            "planned_start": DateInput(),
            "planned_end": DateInput(),
            "description": forms.Textarea(attrs={"rows": 4}),
        }
        labels = {"target": _("Policy target"), "goal": _("Operational goal"), "action": _("2014 potential action")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        querysets = {
            "target": PolicyTarget.objects.all(),
            "goal": OperationalGoal.objects.select_related("target"),
            "action": PotentialAction.objects.all(),
        }
        for name, queryset in querysets.items():
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = queryset
            field.label_from_instance = _reference_label  # type: ignore[method-assign]

    def pledge_values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}
