from django.contrib import admin

from .models import Activity, Comment, Correction, Route, RouteActivity, RouteEvent, RouteReview


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "kind",
        "level",
        "format",
        "organizer",
        "starts_on",
        "ends_on",
        "hours",
        "is_active",
    ]
    list_filter = ["kind", "level", "format", "is_active", "in_federal_registry"]
    search_fields = ["title", "organizer", "registry_number"]
    filter_horizontal = ["competences", "subjects"]


class RouteActivityInline(admin.TabularInline):
    model = RouteActivity
    extra = 0
    fields = ["title", "level", "organizer", "starts_on", "ends_on", "result_form", "outcome"]


@admin.register(Route)
class RouteAdmin(admin.ModelAdmin):
    list_display = ["teacher", "academic_year", "organization", "status", "verdict"]
    list_filter = ["status", "verdict", "academic_year"]
    search_fields = ["teacher__last_name", "teacher__first_name"]
    raw_id_fields = ["teacher", "entry_attempt", "final_attempt", "organization"]
    readonly_fields = ["status", "verdict", "profile_snapshot", "diagnostics_snapshot"]
    inlines = [RouteActivityInline]


admin.site.register(RouteReview)
admin.site.register(Comment)
admin.site.register(Correction)
admin.site.register(RouteEvent)
