from django.contrib import admin

from .models import (
    Attendance,
    Certificate,
    Enrolment,
    EnrolmentEvent,
    Group,
    GroupSession,
    Programme,
    TrainingRecord,
)


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "hours", "form", "provider_level", "status", "region"]
    list_filter = ["kind", "form", "status", "provider_level", "region"]
    search_fields = ["title", "provider_name", "registry_number"]
    filter_horizontal = ["competences", "subjects"]
    raw_id_fields = ["provider_organization"]


class GroupSessionInline(admin.TabularInline):
    model = GroupSession
    extra = 0


@admin.register(Group)
class GroupAdmin(admin.ModelAdmin):
    list_display = ["name", "programme", "starts_on", "ends_on", "capacity", "status"]
    list_filter = ["status"]
    search_fields = ["name", "programme__title"]
    raw_id_fields = ["programme", "organiser"]
    filter_horizontal = ["teachers"]
    inlines = [GroupSessionInline]


@admin.register(Enrolment)
class EnrolmentAdmin(admin.ModelAdmin):
    list_display = ["person", "group", "status", "source", "assessment_result"]
    list_filter = ["status", "source", "assessment_result"]
    search_fields = ["person__last_name", "group__name", "group__programme__title"]
    raw_id_fields = ["person", "group", "route_activity"]
    # Status changes go through courses.workflow (they write events and promote the waiting list).
    readonly_fields = ["status"]


@admin.register(TrainingRecord)
class TrainingRecordAdmin(admin.ModelAdmin):
    list_display = ["person", "title", "hours", "starts_on", "ends_on", "organization", "source"]
    list_filter = ["source", "is_qualification_programme", "by_federal_coordinator"]
    search_fields = ["person__last_name", "title", "provider"]
    raw_id_fields = ["person", "programme", "organization", "group", "enrolment", "certificate"]


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    list_display = ["registration_number", "series", "number", "issued_on", "holder_name", "status"]
    list_filter = ["status", "is_duplicate", "register_year"]
    search_fields = ["registration_number", "number", "holder_name"]
    raw_id_fields = ["holder", "programme", "training_record", "original"]
    # The register has no gaps: numbers are given by the issuing service, never typed.
    readonly_fields = ["register_year", "register_seq", "registration_number"]


admin.site.register(GroupSession)
admin.site.register(Attendance)
admin.site.register(EnrolmentEvent)
