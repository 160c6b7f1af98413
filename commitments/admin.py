"""The secretariat's admin: every model, with the columns, filters and searches it works with."""

import hashlib
import re
import secrets
from datetime import date
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, QuerySet, URLField
from django.forms import FileField, Form, ModelForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts.models import User

from . import models as m
from .history import changed, field_values, record
from .pledge_import import Preview, preview_upload, template_workbook
from .selectors import member_states_with_status, membership_recorded_on
from .services import COMMITMENT_FIELDS, PledgesChanged, WorkflowError, membership_change_record, pledges_import
from .uploads import XLSX

SOURCED_FIELDS = ("source", "excerpt", "note")


# An end of a membership is recorded with its own source, as a membership change (below): the
# periods' `left_on` and `ended_on` are not typed in here.
class MembershipInline(admin.TabularInline[m.Membership, m.MemberState]):
    model = m.Membership
    extra = 0
    fields = ("joined_on", "joined_on_basis", "left_on", *SOURCED_FIELDS)
    readonly_fields = ("left_on",)


class EuMembershipInline(admin.TabularInline[m.EuMembership, m.MemberState]):
    model = m.EuMembership
    extra = 0
    fields = ("started_on", "started_on_basis", "ended_on", *SOURCED_FIELDS)
    readonly_fields = ("ended_on",)


class EndorsementInline(admin.TabularInline[m.Endorsement, m.MemberState]):
    model = m.Endorsement
    extra = 0
    fields = ("declaration", *SOURCED_FIELDS)


class MemberStateForm(ModelForm[m.MemberState]):
    def clean_iso_code(self) -> str:
        code = str(self.cleaned_data["iso_code"])
        # The database's check would refuse it too, but for the whole form rather than beside the field.
        if not re.fullmatch(r"[A-Z]{2}", code):
            raise ValidationError("Enter the two-letter ISO 3166-1 code in capitals, such as FR.")
        return code


@admin.register(m.MemberState)
class MemberStateAdmin(admin.ModelAdmin[m.MemberState]):
    form = MemberStateForm
    list_display = ("name", "iso_code", "member_since", "member_today", "eu_today", "commitment_count")
    search_fields = ("name", "iso_code", "listed_as")
    list_filter = ("memberships__joined_on", "memberships__joined_on_basis")
    readonly_fields = ("name_source",)
    inlines = (MembershipInline, EuMembershipInline, EndorsementInline)

    def get_queryset(self, request: HttpRequest) -> QuerySet[m.MemberState]:
        # As recorded (the date of the latest source), as the public pages show it: "today" would
        # claim what no source says.
        day: date = membership_recorded_on() or timezone.localdate()
        return (
            member_states_with_status(day=day)
            .annotate(commitment_count=Count("commitments", distinct=True))
            .prefetch_related("memberships")
        )

    @admin.display(description="Member since")
    def member_since(self, obj: m.MemberState) -> str:
        joined = [ms.joined_on for ms in obj.memberships.all()]
        return min(joined).isoformat() if joined else "—"

    @admin.display(description=_("Member (as recorded)"), boolean=True)
    def member_today(self, obj: m.MemberState) -> bool:
        return bool(getattr(obj, "is_member", False))

    @admin.display(description=_("In the EU (as recorded)"), boolean=True)
    def eu_today(self, obj: m.MemberState) -> bool:
        return bool(getattr(obj, "is_eu_member", False))

    @admin.display(description="Commitments", ordering="commitment_count")
    def commitment_count(self, obj: m.MemberState) -> int:
        return int(getattr(obj, "commitment_count", 0))


@admin.register(m.Membership)
class MembershipAdmin(admin.ModelAdmin[m.Membership]):
    list_display = ("member_state", "joined_on", "joined_on_basis", "left_on", "source")
    list_filter = ("joined_on", "joined_on_basis", "source")
    list_select_related = ("member_state", "source")
    search_fields = ("member_state__name", "member_state__iso_code", "excerpt", "note")
    autocomplete_fields = ("member_state",)
    date_hierarchy = "joined_on"
    readonly_fields = ("left_on",)


@admin.register(m.EuMembership)
class EuMembershipAdmin(admin.ModelAdmin[m.EuMembership]):
    list_display = ("member_state", "started_on", "started_on_basis", "ended_on", "source")
    list_filter = ("started_on_basis", "source")
    list_select_related = ("member_state", "source")
    search_fields = ("member_state__name", "member_state__iso_code")
    autocomplete_fields = ("member_state",)
    readonly_fields = ("ended_on",)


@admin.register(m.MembershipChange)
class MembershipChangeAdmin(admin.ModelAdmin[m.MembershipChange]):
    """Where the secretariat records a member leaving the Alliance or the EU after the reference
    sources, with the document that says so. Recorded through the service (which ends the period
    and writes the history); kept as recorded, neither changed nor deleted here."""

    list_display = ("member_state", "kind", "ended_on", "source_reference", "source_published_on", "recorded_by")
    list_filter = ("kind",)
    list_select_related = ("member_state", "recorded_by")
    search_fields = ("member_state__name", "member_state__iso_code", "source_reference", "source_url")
    autocomplete_fields = ("member_state",)
    fields = (
        "member_state", "kind", "ended_on", "source_reference", "source_url", "source_published_on", "excerpt",
        "note", "recorded_by", "recorded_at",
    )  # fmt: skip
    readonly_fields = ("recorded_by", "recorded_at")
    formfield_overrides = {URLField: {"assume_scheme": "https"}}  # a typed "example.org/…" is https

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: m.MembershipChange, form: ModelForm[m.MembershipChange], change: bool
    ) -> None:
        assert isinstance(request.user, User)  # the admin's pages need a signed-in person
        membership_change_record(change=obj, actor=request.user)


@admin.register(m.SourceDocument)
class SourceDocumentAdmin(admin.ModelAdmin[m.SourceDocument]):
    list_display = ("title", "publisher", "kind", "published_on", "inferred", "seed_file")
    list_filter = ("kind", "publisher", "title_inferred", "publisher_inferred", "published_on_inferred")
    search_fields = ("title", "publisher", "text", "key")

    @admin.display(description="Inferred (not stated by the text)")
    def inferred(self, obj: m.SourceDocument) -> str:
        return ", ".join(obj.inferred_attributes) or "—"


@admin.register(m.Conference)
class ConferenceAdmin(admin.ModelAdmin[m.Conference]):
    list_display = ("name", "city", "held_on", "source")
    search_fields = ("name", "city")


class PotentialActionInline(admin.StackedInline[m.PotentialAction, m.Declaration]):
    model = m.PotentialAction
    extra = 0


@admin.register(m.Declaration)
class DeclarationAdmin(admin.ModelAdmin[m.Declaration]):
    list_display = ("title", "adopted_on", "conference", "endorsement_count", "source")
    list_select_related = ("conference", "source")
    search_fields = ("title", "summary")
    inlines = (PotentialActionInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[m.Declaration]:
        return super().get_queryset(request).annotate(endorsement_count=Count("endorsements"))

    @admin.display(description="Endorsed by", ordering="endorsement_count")
    def endorsement_count(self, obj: m.Declaration) -> int:
        return int(getattr(obj, "endorsement_count", 0))


@admin.register(m.Endorsement)
class EndorsementAdmin(admin.ModelAdmin[m.Endorsement]):
    list_display = ("member_state", "declaration", "source")
    list_filter = ("declaration",)
    list_select_related = ("member_state", "declaration", "source")
    search_fields = ("member_state__name", "member_state__iso_code")


class OperationalGoalInline(admin.StackedInline[m.OperationalGoal, m.PolicyTarget]):
    model = m.OperationalGoal
    extra = 0


@admin.register(m.PolicyTarget)
class PolicyTargetAdmin(admin.ModelAdmin[m.PolicyTarget]):
    list_display = ("number", "title", "code", "declaration")
    list_select_related = ("declaration",)
    search_fields = ("title", "statement")
    inlines = (OperationalGoalInline,)


@admin.register(m.OperationalGoal)
class OperationalGoalAdmin(admin.ModelAdmin[m.OperationalGoal]):
    list_display = ("number", "code", "target", "short_text")
    list_filter = ("target",)
    list_select_related = ("target",)
    search_fields = ("text", "code")

    @admin.display(description="Goal")
    def short_text(self, obj: m.OperationalGoal) -> str:
        return obj.text[:100]


@admin.register(m.PotentialAction)
class PotentialActionAdmin(admin.ModelAdmin[m.PotentialAction]):
    list_display = ("number", "code", "declaration")
    list_filter = ("declaration",)
    search_fields = ("text", "code")


@admin.register(m.SecretariatTenure)
class SecretariatTenureAdmin(admin.ModelAdmin[m.SecretariatTenure]):
    list_display = ("holder", "started_on", "started_on_basis", "ended_on", "source")
    list_filter = ("started_on_basis",)


@admin.register(m.SourceDiscrepancy)
class SourceDiscrepancyAdmin(admin.ModelAdmin[m.SourceDiscrepancy]):
    list_display = ("subject", "key")
    search_fields = ("subject", "what_the_sources_say", "choice")
    filter_horizontal = ("sources",)


@admin.register(m.ReportingCycle)
class ReportingCycleAdmin(admin.ModelAdmin[m.ReportingCycle]):
    list_display = ("name", "period_start", "period_end", "opens_on", "due_on", "is_demo")
    list_filter = ("is_demo",)
    search_fields = ("name",)
    date_hierarchy = "due_on"


class PledgeFileForm(Form):
    file = FileField(label=_("Spreadsheet of pledges (.xlsx)"))


# Previews waiting for confirmation, in the session: by a random token, with the file's SHA-256
# and the values of the rows to create (only the latest few are kept).
PENDING_IMPORTS = "pledge_imports"
KEPT_PREVIEWS = 3


@admin.register(m.Commitment)
class CommitmentAdmin(admin.ModelAdmin[m.Commitment]):
    change_list_template = "admin/commitments/commitment/change_list.html"
    list_display = ("title", "member_state", "target", "goal", "status", "planned_start", "planned_end", "is_demo")
    list_filter = ("status", "target", "goal", "is_demo", "member_state")
    list_select_related = ("member_state", "target", "goal")
    search_fields = ("title", "description", "member_state__name", "member_state__iso_code")
    autocomplete_fields = ("member_state",)
    date_hierarchy = "planned_start"
    readonly_fields = ("created_at", "updated_at", "created_by")

    def save_model(self, request: HttpRequest, obj: m.Commitment, form: ModelForm[m.Commitment], change: bool) -> None:
        # Edits made here are recorded like every other change.
        before = field_values(m.Commitment.objects.get(pk=obj.pk), COMMITMENT_FIELDS) if change else {}
        super().save_model(request, obj, form, change)
        actor = request.user if isinstance(request.user, User) else None
        record(
            actor=actor,
            action="updated in admin" if change else "created in admin",
            subject=obj,
            changes=changed(before, field_values(obj, COMMITMENT_FIELDS)),
            member_state=obj.member_state,
        )

    def delete_model(self, request: HttpRequest, obj: m.Commitment) -> None:
        self._record_deletion(request, obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[m.Commitment]) -> None:
        for commitment in queryset.select_related("member_state"):
            self._record_deletion(request, commitment)
        super().delete_queryset(request, queryset)

    def _record_deletion(self, request: HttpRequest, obj: m.Commitment) -> None:
        record(
            actor=request.user if isinstance(request.user, User) else None,
            action="deleted in admin",
            subject=obj,
            changes=changed(field_values(obj, COMMITMENT_FIELDS), {}),
            member_state=obj.member_state,
        )

    # --- Pledges in bulk: upload, preview, confirm ---------------------------------------------

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("import/", view(self.import_view), name="commitments_commitment_import"),
            path("import/template/", view(self.import_template_view), name="commitments_commitment_import_template"),
            *super().get_urls(),
        ]

    def _require_import(self, request: HttpRequest) -> User:
        if not self.has_add_permission(request) or not isinstance(request.user, User):
            raise PermissionDenied
        return request.user

    def import_template_view(self, request: HttpRequest) -> HttpResponse:
        self._require_import(request)
        response = HttpResponse(template_workbook(), content_type=XLSX.content_type)
        response["Content-Disposition"] = f'attachment; filename="{gettext("pledges")}.xlsx"'
        return response

    def import_view(self, request: HttpRequest) -> HttpResponse:
        actor = self._require_import(request)
        if request.method == "POST" and "token" in request.POST:
            return self._confirm_import(request, actor)
        form = PledgeFileForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                preview = preview_upload(upload)
            except ValidationError as error:  # SpreadsheetRefused, or the zip checks' refusal
                form.add_error("file", error)
            else:
                digest = hashlib.sha256()
                for chunk in upload.chunks():
                    digest.update(chunk)
                return self._preview_page(request, preview, file_name=upload.name or "", sha256=digest.hexdigest())
        return self._import_page(request, {"form": form})

    def _confirm_import(self, request: HttpRequest, actor: User) -> HttpResponse:
        pending: dict[str, Any] = request.session.get(PENDING_IMPORTS, {})
        kept = pending.pop(request.POST.get("token", ""), None)
        request.session[PENDING_IMPORTS] = pending
        if kept is None or kept["sha256"] != request.POST.get("sha256"):
            messages.error(
                request,
                gettext(
                    "This preview is no longer waiting (it was confirmed already, or is too old): upload the "
                    "file again."
                ),
            )
            return redirect("admin:commitments_commitment_import")
        try:
            created = pledges_import(rows=kept["rows"], actor=actor, file_name=kept["file_name"])
        except PledgesChanged as error:
            messages.error(request, str(error))
            return self._preview_page(request, error.preview, file_name=kept["file_name"], sha256=kept["sha256"])
        except (WorkflowError, ValidationError) as error:
            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
            return redirect("admin:commitments_commitment_import")
        messages.success(
            request,
            ngettext(
                "%(count)d pledge created from %(file)s.", "%(count)d pledges created from %(file)s.", len(created)
            )
            % {"count": len(created), "file": kept["file_name"]},
        )
        return redirect("admin:commitments_commitment_changelist")

    def _preview_page(self, request: HttpRequest, preview: Preview, *, file_name: str, sha256: str) -> HttpResponse:
        token = ""
        if preview.to_create:
            token = secrets.token_urlsafe(16)
            pending: dict[str, Any] = request.session.get(PENDING_IMPORTS, {})
            pending[token] = {"sha256": sha256, "file_name": file_name, "rows": preview.kept_values()}
            request.session[PENDING_IMPORTS] = dict(list(pending.items())[-KEPT_PREVIEWS:])
        return self._import_page(
            request, {"preview": preview, "file_name": file_name, "token": token, "sha256": sha256}
        )

    def _import_page(self, request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
        return TemplateResponse(
            request,
            "admin/commitments/pledge_import.html",
            {**self.admin_site.each_context(request), "opts": self.opts, "title": gettext("Import pledges"), **context},
        )


class ProgressUpdateInline(admin.StackedInline[m.ProgressUpdate, m.Submission]):
    model = m.ProgressUpdate
    extra = 0
    fields = ("commitment", "status", "completion_percent", "confidentiality", "narrative", "needs_revision", "version")
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(m.Submission)
class SubmissionAdmin(admin.ModelAdmin[m.Submission]):
    """Read-mostly: the workflow's transitions happen on the review pages, through the services."""

    list_display = ("member_state", "cycle", "status", "round", "first_submitted_at", "extended_due_on", "accepted_at")
    list_filter = ("status", "cycle", "member_state")
    list_select_related = ("member_state", "cycle")
    search_fields = ("member_state__name", "member_state__iso_code", "cycle__name")
    readonly_fields = (
        "member_state", "cycle", "status", "version", "round", "extended_due_on", "first_submitted_at",
        "submitted_at", "accepted_at", "accepted_by", "created_at", "updated_at",
    )  # fmt: skip
    inlines = (ProgressUpdateInline,)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(m.ProgressUpdate)
class ProgressUpdateAdmin(admin.ModelAdmin[m.ProgressUpdate]):
    """Read-only: what a member reports changes through the workflow (the editor and the API, by
    its contacts; returned by a reviewer), where its rules, versions and history apply."""

    list_display = ("commitment", "submission", "status", "completion_percent", "confidentiality", "needs_revision")
    list_filter = ("status", "confidentiality", "needs_revision", "submission__cycle")
    list_select_related = ("commitment__member_state", "submission__cycle", "submission__member_state")
    search_fields = ("commitment__title", "narrative", "submission__member_state__name")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(m.Evidence)
class EvidenceAdmin(admin.ModelAdmin[m.Evidence]):
    list_display = ("original_name", "update", "content_type", "size", "uploaded_by", "uploaded_at")
    list_select_related = ("update__commitment__member_state", "uploaded_by")
    search_fields = ("original_name", "sha256")
    readonly_fields = (
        "update",
        "file",
        "stored_name",
        "original_name",
        "content_type",
        "size",
        "sha256",
        "uploaded_by",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(m.ReviewComment)
class ReviewCommentAdmin(admin.ModelAdmin[m.ReviewComment]):
    list_display = ("update", "author", "round", "created_at")
    list_select_related = ("update__commitment__member_state", "author")
    search_fields = ("body",)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(m.HistoryEntry)
class HistoryEntryAdmin(admin.ModelAdmin[m.HistoryEntry]):
    list_display = ("at", "actor_label", "action", "subject_type", "subject_label", "member_state")
    list_filter = ("action", "subject_type", "member_state")
    list_select_related = ("member_state",)
    search_fields = ("actor_label", "subject_label")
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(m.ReminderSent)
class ReminderSentAdmin(admin.ModelAdmin[m.ReminderSent]):
    list_display = ("sent_on", "kind", "member_state", "cycle", "recipients")
    list_filter = ("kind", "cycle")
    list_select_related = ("member_state", "cycle")
    search_fields = ("member_state__name", "member_state__iso_code")
    date_hierarchy = "sent_on"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
