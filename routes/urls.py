from django.urls import path  # noqa: F401

app_name = "routes"
urlpatterns: list = []

# --- Route cards and the catalogue (engineer A) ---
from .views import catalogue as catalogue_views  # noqa: E402
from .views import routes as route_views  # noqa: E402

urlpatterns += [
    path("", route_views.route_list, name="list"),
    path("new/", route_views.route_create, name="create"),
    path("<int:pk>/", route_views.card, name="card"),
    path("<int:pk>/edit/", route_views.edit, name="edit"),
    path("<int:pk>/recommendations/", route_views.recommendations, name="recommendations"),
    path("<int:pk>/activities/add/", route_views.activity_add, name="activity_add"),
    path("<int:pk>/activities/<int:apk>/edit/", route_views.activity_edit, name="activity_edit"),
    path("<int:pk>/activities/<int:apk>/remove/", route_views.activity_remove, name="activity_remove"),
    path("<int:pk>/activities/<int:apk>/mark/", route_views.activity_mark, name="activity_mark"),
    path("evidence/<int:apk>/", route_views.evidence, name="evidence"),
    path("<int:pk>/transition/", route_views.transition, name="transition"),
    path("<int:pk>/review/", route_views.review, name="review"),
    path("<int:pk>/comments/", route_views.comment_add, name="comment_add"),
    path("<int:pk>/corrections/<int:cpk>/sign/", route_views.correction_sign, name="correction_sign"),
    path(
        "<int:pk>/corrections/<int:cpk>/acknowledge/",
        route_views.correction_acknowledge,
        name="correction_acknowledge",
    ),
    path("<int:pk>/conclusions/", route_views.conclusions, name="conclusions"),
    path("<int:pk>/conclusions/sign/", route_views.conclusions_sign, name="conclusions_sign"),
    path(
        "<int:pk>/conclusions/acknowledge/",
        route_views.conclusions_acknowledge,
        name="conclusions_acknowledge",
    ),
    path("<int:pk>/final-event/", route_views.final_event_mark, name="final_event_mark"),
    path("catalogue/", catalogue_views.catalogue, name="catalogue"),
    path("catalogue/new/", catalogue_views.catalogue_edit, name="catalogue_create"),
    path("catalogue/<int:pk>/edit/", catalogue_views.catalogue_edit, name="catalogue_edit"),
    path("catalogue/import/", catalogue_views.catalogue_import_view, name="catalogue_import"),
    path("catalogue/template.xlsx", catalogue_views.catalogue_template, name="catalogue_template"),
]

# --- Assignment of curators, tutors and mentors; card exports (engineer B) ---
from .views import assignment as assignment_views  # noqa: E402
from .views import exports as export_views  # noqa: E402

urlpatterns += [
    path("assignment/", assignment_views.assignment_list, name="assignment_list"),
    path("assignment/bulk/", assignment_views.assignment_bulk, name="assignment_bulk"),
    path("assignment/person/<int:pk>/", assignment_views.assignment_person, name="assignment_person"),
    path("assignment/<int:pk>/end/", assignment_views.assignment_end, name="assignment_end"),
    path("assignment/balance/", assignment_views.balance, name="balance"),
    path("assignment/balance/apply/", assignment_views.balance_apply, name="balance_apply"),
    path("caseloads/", assignment_views.caseloads, name="caseloads"),
    path("caseloads/<int:pk>/", assignment_views.supporter_caseload, name="supporter_caseload"),
    path("caseload/", assignment_views.caseload, name="caseload"),
    path("<int:pk>/card.pdf", export_views.card_pdf, name="card_pdf"),
    path("<int:pk>/card.xlsx", export_views.card_xlsx, name="card_xlsx"),
    path("archives/", export_views.archives, name="archives"),
    path("archives/<int:pk>/download/", export_views.archive_download, name="archive_download"),
]

# --- Every route has a reviewer: the queue without a curator, supporter profiles (issue 9) ---
from .views import supporters as supporter_views  # noqa: E402

urlpatterns += [
    path("assignment/without-curator/", supporter_views.without_curator, name="without_curator"),
    path("assignment/supporters/", supporter_views.supporter_profiles, name="supporter_profiles"),
    path(
        "assignment/supporters/<int:pk>/edit/",
        supporter_views.supporter_profile_edit,
        name="supporter_profile_edit",
    ),
]
