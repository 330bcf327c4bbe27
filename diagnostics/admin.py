"""Admin for every diagnostics model. Instruments' statuses are changed through the authoring pages
(the workflow and its checks); the admin shows them read-only. Answer keys are visible here only to
staff with access to the admin."""

from django.contrib import admin

from .models import Answer, Attempt, BlockResult, CompetenceBlock, Instrument, Item, RetakeGrant, Variant


@admin.register(CompetenceBlock)
class CompetenceBlockAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "audience", "is_scored", "order"]
    list_filter = ["audience", "is_scored"]
    search_fields = ["code", "name"]
    list_editable = ["order"]


class VariantInline(admin.TabularInline):
    model = Variant
    extra = 0


@admin.register(Instrument)
class InstrumentAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "audience", "subject", "kind", "status", "version"]
    list_filter = ["status", "kind", "audience", "subject"]
    search_fields = ["code", "title"]
    filter_horizontal = ["blocks"]
    readonly_fields = ["status", "version", "previous_version", "created_at"]
    inlines = [VariantInline]


@admin.register(Variant)
class VariantAdmin(admin.ModelAdmin):
    list_display = ["instrument", "number"]
    list_select_related = ["instrument"]
    search_fields = ["instrument__code"]


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = ["variant", "number", "type", "block", "difficulty", "topic", "points"]
    list_filter = ["type", "difficulty", "block"]
    list_select_related = ["variant__instrument", "block"]
    search_fields = ["stem", "topic", "variant__instrument__code"]
    raw_id_fields = ["variant"]


class BlockResultInline(admin.TabularInline):
    model = BlockResult
    extra = 0


@admin.register(Attempt)
class AttemptAdmin(admin.ModelAdmin):
    list_display = [
        "person",
        "instrument",
        "number",
        "status",
        "percent",
        "level",
        "is_external",
        "started_at",
    ]
    list_filter = ["status", "level", "is_external", "instrument"]
    list_select_related = ["person", "instrument"]
    search_fields = ["person__last_name", "person__email", "instrument__code"]
    raw_id_fields = ["person", "variant", "organization"]
    inlines = [BlockResultInline]


@admin.register(Answer)
class AnswerAdmin(admin.ModelAdmin):
    list_display = ["attempt", "item", "points", "checked_at"]
    list_select_related = ["attempt__person", "attempt__instrument", "item__variant__instrument"]
    raw_id_fields = ["attempt", "item", "checked_by"]


@admin.register(BlockResult)
class BlockResultAdmin(admin.ModelAdmin):
    list_display = ["attempt", "block", "percent", "level"]
    list_filter = ["level", "block"]
    list_select_related = ["attempt__person", "attempt__instrument", "block"]
    raw_id_fields = ["attempt"]


@admin.register(RetakeGrant)
class RetakeGrantAdmin(admin.ModelAdmin):
    list_display = ["person", "instrument", "granted_by", "granted_at", "used_by"]
    list_select_related = ["person", "instrument", "granted_by"]
    raw_id_fields = ["person", "used_by", "granted_by"]
