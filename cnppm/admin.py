"""Django admin of the staff directory, in Russian, with search and filters. Writes that have a
service (publishing a consent redaction) go through it; the logs are read-only."""

from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ValidationError
from django.shortcuts import redirect

from . import auth_limits, models, services
from .models import PersonalDataAccess


class ReadOnlyAdmin(admin.ModelAdmin):
    """Journals: nobody adds, edits or deletes rows through the admin."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(models.User)
class PortalUserAdmin(UserAdmin):
    fieldsets = (*UserAdmin.fieldsets, ("Портал", {"fields": ("must_change_password",)}))
    list_display = (
        "username",
        "email",
        "first_name",
        "last_name",
        "is_active",
        "is_staff",
        "must_change_password",
    )
    list_filter = ("is_active", "is_staff", "is_superuser", "must_change_password")
    search_fields = ("username", "email", "first_name", "last_name", "person__last_name")


@admin.register(models.Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "timezone")
    search_fields = ("name", "code")
    list_filter = ("timezone",)


@admin.register(models.Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "kind", "region")
    list_filter = ("kind", "region")
    search_fields = ("name", "code")
    list_select_related = ("region",)


@admin.register(models.Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("short_name", "kind", "municipality", "low_results")
    list_filter = ("kind", "low_results", "municipality__region", "municipality")
    search_fields = ("short_name", "full_name", "municipality__name")
    list_select_related = ("municipality",)
    autocomplete_fields = ("municipality",)


@admin.register(models.Subject)
class SubjectAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "order")
    list_editable = ("order",)
    search_fields = ("name", "code")


class RoleAssignmentInline(admin.TabularInline):
    model = models.RoleAssignment
    extra = 0
    fields = ("role", "organization", "municipality", "region", "support_kind", "subjects")
    autocomplete_fields = ("organization", "municipality")


class StaffTrainingInline(admin.TabularInline):
    model = models.StaffTraining
    extra = 0


@admin.register(models.Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ("full_name", "organization", "position", "qualification_category", "is_manager", "user")
    list_filter = (
        ("consent_withdrawn_at", admin.EmptyFieldListFilter),
        "qualification_category",
        "education",
        "is_manager",
        "roles__role",
        "organization__municipality__region",
        "organization__municipality",
    )
    search_fields = (
        "last_name",
        "first_name",
        "middle_name",
        "email",
        "user__username",
        "organization__short_name",
    )
    list_select_related = ("organization", "user")
    autocomplete_fields = ("organization", "user")
    filter_horizontal = ("subjects",)
    inlines = (RoleAssignmentInline, StaffTrainingInline)
    # who withdrew consent: the operator destroys or de-identifies their data within 30 days (README)
    readonly_fields = ("consent_withdrawn_at", "created_at", "updated_at")

    @admin.display(description="ФИО", ordering="last_name")
    def full_name(self, obj):
        return obj.full_name

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        cl = getattr(response, "context_data", {}).get("cl") if hasattr(response, "context_data") else None
        if cl is not None:
            services.personal_data_log(
                actor=request.user,
                action=PersonalDataAccess.Action.LIST,
                object_type="person",
                records=len(cl.result_list),
                person_ids=[p.pk for p in cl.result_list],
                path=request.get_full_path(),
            )
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET":
            services.personal_data_log(
                actor=request.user,
                action=PersonalDataAccess.Action.VIEW,
                object_type="person",
                object_id=object_id,
                person_ids=[int(object_id)] if str(object_id).isdigit() else [],
                path=request.get_full_path(),
            )
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(models.RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ("person", "role", "organization", "municipality", "region", "support_kind", "created_at")
    list_filter = ("role", "support_kind", "region", "municipality")
    search_fields = ("person__last_name", "person__first_name", "person__email")
    list_select_related = ("person", "organization", "municipality", "region")
    autocomplete_fields = ("person", "organization", "municipality")


@admin.register(models.SupportAssignment)
class SupportAssignmentAdmin(admin.ModelAdmin):
    list_display = ("person", "role", "supporter", "subject", "order_number", "started_at", "ended_at")
    list_filter = ("role", "subject", ("ended_at", admin.EmptyFieldListFilter))
    search_fields = ("person__last_name", "supporter__last_name", "order_number")
    list_select_related = ("person", "supporter", "subject")
    autocomplete_fields = ("person", "supporter")
    date_hierarchy = "started_at"


@admin.register(models.StaffTraining)
class StaffTrainingAdmin(admin.ModelAdmin):
    list_display = (
        "person",
        "programme",
        "provider",
        "hours",
        "starts_on",
        "ends_on",
        "by_federal_coordinator",
    )
    list_filter = ("by_federal_coordinator", "is_qualification_programme")
    search_fields = ("person__last_name", "programme", "provider")
    list_select_related = ("person",)
    autocomplete_fields = ("person",)
    date_hierarchy = "ends_on"


@admin.register(models.ReferenceStatistic)
class ReferenceStatisticAdmin(admin.ModelAdmin):
    list_display = (
        "municipality",
        "year",
        "teachers_total",
        "school_teachers_total",
        "schools_total",
        "entered_at",
    )
    list_filter = ("year", "municipality__region")
    search_fields = ("municipality__name",)
    list_select_related = ("municipality",)
    readonly_fields = ("entered_by", "entered_at")

    def save_model(self, request, obj, form, change):
        obj.entered_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(models.OrganizationYearFact)
class OrganizationYearFactAdmin(admin.ModelAdmin):
    list_display = ("organization", "year", "implements_mentoring", "management_team_trained", "entered_at")
    list_filter = ("year", "implements_mentoring", "management_team_trained")
    search_fields = ("organization__short_name", "organization__full_name")
    list_select_related = ("organization",)
    autocomplete_fields = ("organization",)
    readonly_fields = ("entered_by", "entered_at")

    def save_model(self, request, obj, form, change):
        obj.entered_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(models.ConsentDocument)
class ConsentDocumentAdmin(admin.ModelAdmin):
    """A redaction is written here and then published with the action «Опубликовать»: publishing
    makes it current, and everybody is asked to consent again. A redaction somebody has consented
    to can no longer be edited (it is what they agreed to)."""

    list_display = ("version", "title", "is_current", "published_at", "consents_count")
    list_filter = ("is_current",)
    search_fields = ("version", "title", "text")
    actions = ("publish",)
    fields = ("version", "title", "text", "is_current", "published_at")

    def get_readonly_fields(self, request, obj=None):
        readonly = ["is_current", "published_at"]
        if obj is not None and obj.consents.exists():
            readonly += ["version", "title", "text"]
        return readonly

    @admin.display(description="согласий")
    def consents_count(self, obj):
        return obj.consents.filter(withdrawn_at__isnull=True).count()

    @admin.action(
        description="Опубликовать как действующую редакцию (все пользователи дадут согласие заново)"
    )
    def publish(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Выберите одну редакцию для публикации.", messages.ERROR)
            return
        document = queryset.get()
        try:
            services.consent_document_publish(actor=request.user, document=document)
        except services.DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return
        self.message_user(
            request,
            f"Редакция {document.version} опубликована; пользователи дадут согласие заново при следующем входе.",
            messages.SUCCESS,
        )

    def has_delete_permission(self, request, obj=None):
        if obj is not None and (obj.is_current or obj.consents.exists()):
            return False
        return super().has_delete_permission(request, obj)


@admin.register(models.Consent)
class ConsentAdmin(ReadOnlyAdmin):
    list_display = ("user", "document", "given_at", "withdrawn_at", "ip_address")
    list_filter = ("document", ("withdrawn_at", admin.EmptyFieldListFilter))
    search_fields = ("user__username", "user__email", "user__last_name")
    list_select_related = ("user", "document")
    date_hierarchy = "given_at"


class _AccessChangeList(ChangeList):
    """Names the people of the whole page in one query (the rows store ids)."""

    def get_results(self, request):
        super().get_results(request)
        ids = {pid for row in self.result_list for pid in (row.person_ids or [])}
        names = _people_names(ids)
        for row in self.result_list:
            row.people_names = [names.get(pid, f"id {pid}") for pid in row.person_ids or []]


def _people_names(ids) -> dict[int, str]:
    people = models.Person.objects.filter(pk__in=list(ids)).only("last_name", "first_name", "middle_name")
    return {p.pk: f"{p.short_name} (id {p.pk})" for p in people}


@admin.register(models.PersonalDataAccess)
class PersonalDataAccessAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor", "action", "object_type", "object_id", "records", "people_read", "path")
    list_filter = ("action", "object_type")
    search_fields = ("actor__username", "object_id", "path")
    list_select_related = ("actor",)
    date_hierarchy = "at"
    readonly_fields = ("people_read_all",)

    def get_changelist(self, request, **kwargs):
        return _AccessChangeList

    @admin.display(description="чьи данные")
    def people_read(self, obj):
        names = getattr(obj, "people_names", None) or []
        shown = ", ".join(names[:5])
        return f"{shown} … ещё {len(names) - 5}" if len(names) > 5 else shown

    @admin.display(description="чьи данные (все)")
    def people_read_all(self, obj):
        names = _people_names(obj.person_ids or [])
        return "; ".join(names.get(pid, f"id {pid}") for pid in obj.person_ids or []) or "—"


@admin.register(models.AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor", "verb", "content_type", "object_id", "field", "old_value", "new_value")
    list_filter = ("verb", "content_type")
    search_fields = ("actor__username", "verb", "object_id", "comment")
    list_select_related = ("actor", "content_type")
    date_hierarchy = "at"


@admin.register(models.Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "recipient", "text", "read_at")
    list_filter = (("read_at", admin.EmptyFieldListFilter),)
    search_fields = ("recipient__username", "text")
    list_select_related = ("recipient",)
    date_hierarchy = "created_at"


class LimitedAdminLoginForm(AdminAuthenticationForm):
    """/admin/login/ goes through the one login limit (cnppm.auth_limits), with its message."""

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            try:
                self.user_cache = auth_limits.authenticate(self.request, username=username, password=password)
            except auth_limits.LoginLocked as exc:
                raise ValidationError(exc.message, code="too_many_login_attempts") from None
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


admin.site.login_form = LimitedAdminLoginForm


def _password_change(request, extra_context=None):
    """The admin's own password change compares the current password outside the login limit: its
    link leads to the portal's page, which counts wrong current passwords (cnppm.account_forms)."""
    return redirect("account_change_password")


admin.site.password_change = _password_change


@admin.register(models.ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued through the API only; here they are listed and revoked (deleted)."""

    list_display = ["prefix", "user", "created_at", "expires_at", "last_used_at"]
    search_fields = ["user__username", "prefix"]
    readonly_fields = ["user", "prefix", "created_at", "expires_at", "last_used_at"]
    exclude = ["key_digest", "password_fingerprint"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        # Staff who are operators see the tokens of their region only (cnppm.access).
        from . import access

        return queryset.filter(access.api_token_q(request.user))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(models.LoginLimit)
class LoginLimitAdmin(ReadOnlyAdmin):
    """Failed-login counters kept in the database (no Redis, or Redis down). Deleting a row lifts its
    lock early; keys are digests of the account and the client, not names."""

    list_display = ["key", "failures", "window_start", "locked_until"]
    list_filter = ["locked_until"]
    search_fields = ["key"]

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(models.ImportJob)
class ImportJobAdmin(ReadOnlyAdmin):
    """Uploaded files' imports (cnppm/import_jobs.py): who, what, how it ended. Read-only: a job is
    run by its task; a stuck one is swept by cnppm.jobs."""

    list_display = (
        "created_at",
        "kind",
        "filename",
        "actor",
        "status",
        "progress_done",
        "attempts",
        "finished_at",
    )
    list_filter = ("kind", "status")
    search_fields = ("filename", "actor__username", "error")
    list_select_related = ("actor",)
    date_hierarchy = "created_at"
