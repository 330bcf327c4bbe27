from django.urls import path  # noqa: F401

from .views import expert as expert_views
from .views import taking as taking_views

app_name = "diagnostics"
urlpatterns: list = []

# Taking, results, the expert queue, attempts and retakes (engineer A).
urlpatterns += [
    path("my/", taking_views.my_diagnostics, name="my_diagnostics"),
    path("instruments/<int:pk>/start/", taking_views.instrument_start, name="instrument_start"),
    path("attempts/<int:pk>/questions/<int:number>/", taking_views.attempt_question, name="attempt_question"),
    path("attempts/<int:pk>/items/<int:item_id>/answer/", taking_views.answer_save, name="answer_save"),
    path("attempts/<int:pk>/finish/", taking_views.attempt_finish, name="attempt_finish"),
    path("attempts/<int:pk>/result/", taking_views.attempt_result, name="attempt_result"),
    path("attempts/", expert_views.attempt_list, name="attempt_list"),
    path("attempts/<int:pk>/retake/", expert_views.retake_grant, name="retake_grant"),
    path("expert/", expert_views.expert_queue, name="expert_queue"),
    path("expert/answers/<int:pk>/", expert_views.expert_check, name="expert_check"),
    path("expert/answers/<int:pk>/correct/", expert_views.expert_correct, name="expert_correct"),
]

# Authoring, item-bank imports, external results, statistics (engineer B).
from .views import authoring as authoring_views  # noqa: E402
from .views import imports as import_views  # noqa: E402
from .views import statistics as statistics_views  # noqa: E402

urlpatterns += [
    path("authoring/blocks/", authoring_views.block_list, name="block_list"),
    path("authoring/blocks/<int:pk>/", authoring_views.block_edit, name="block_edit"),
    path("authoring/instruments/", authoring_views.instrument_list, name="instrument_list"),
    path("authoring/instruments/new/", authoring_views.instrument_create, name="instrument_create"),
    path("authoring/instruments/<int:pk>/", authoring_views.instrument_detail, name="instrument_detail"),
    path("authoring/instruments/<int:pk>/edit/", authoring_views.instrument_edit, name="instrument_edit"),
    path(
        "authoring/instruments/<int:pk>/transition/",
        authoring_views.instrument_transition,
        name="instrument_transition",
    ),
    path(
        "authoring/instruments/<int:pk>/new-version/",
        authoring_views.instrument_new_version,
        name="instrument_new_version",
    ),
    path(
        "authoring/instruments/<int:pk>/export.<str:fmt>",
        authoring_views.instrument_export,
        name="instrument_export",
    ),
    path("authoring/instruments/<int:pk>/variants/add/", authoring_views.variant_add, name="variant_add"),
    path(
        "authoring/instruments/<int:pk>/variants/<int:number>/",
        authoring_views.variant_items,
        name="variant_items",
    ),
    path(
        "authoring/instruments/<int:pk>/variants/<int:number>/delete/",
        authoring_views.variant_delete,
        name="variant_delete",
    ),
    path(
        "authoring/instruments/<int:pk>/variants/<int:number>/items/new/",
        authoring_views.item_create,
        name="item_create",
    ),
    path("authoring/items/<int:item_pk>/", authoring_views.item_edit, name="item_edit"),
    path("authoring/items/<int:item_pk>/delete/", authoring_views.item_delete, name="item_delete"),
    path("authoring/items-template.xlsx", authoring_views.items_template, name="items_template"),
    path("imports/items/", import_views.items_import, name="items_import"),
    path("imports/items/<int:pk>/", import_views.items_import_preview, name="items_import_preview"),
    path("imports/results/", import_views.results_import_view, name="results_import"),
    path("imports/results-template.xlsx", import_views.results_template, name="results_template"),
    path("statistics/", statistics_views.statistics_index, name="statistics_index"),
    path("statistics/<int:pk>/", statistics_views.statistics_detail, name="statistics_detail"),
    path("statistics/<int:pk>/export.xlsx", statistics_views.statistics_export, name="statistics_export"),
    path("statistics/<int:pk>/results.xlsx", statistics_views.results_export, name="results_export"),
]
