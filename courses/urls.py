from django.urls import path

from . import views

app_name = "courses"

# --- Programmes, groups, enrolment, attendance, completion (issue 12.1–12.3) ---
urlpatterns = [
    path("", views.programme_list, name="programmes"),
    path("my/", views.my_courses, name="my"),
    path("my/request/", views.enrolment_request, name="enrolment_request"),
    path("programmes/new/", views.programme_edit, name="programme_create"),
    path("programmes/<int:pk>/", views.programme_detail, name="programme"),
    path("programmes/<int:pk>/edit/", views.programme_edit, name="programme_edit"),
    path("programmes/<int:pk>/status/", views.programme_status, name="programme_status"),
    path("programmes/<int:programme_pk>/groups/new/", views.group_edit, name="group_create"),
    path("groups/<int:pk>/", views.group_detail, name="group"),
    path("groups/<int:pk>/edit/", views.group_edit, name="group_edit"),
    path("groups/<int:pk>/status/", views.group_status, name="group_status"),
    path("groups/<int:pk>/finish/", views.group_finish, name="group_finish"),
    path("groups/<int:pk>/enrol/", views.group_enrol, name="group_enrol"),
    path("groups/<int:pk>/sessions/new/", views.session_create, name="session_create"),
    path("groups/<int:pk>/assessment/", views.assessment, name="assessment"),
    path("sessions/<int:pk>/edit/", views.session_edit, name="session_edit"),
    path("sessions/<int:pk>/delete/", views.session_delete, name="session_delete"),
    path("sessions/<int:pk>/attendance/", views.attendance, name="attendance"),
    path("enrolments/<int:pk>/transition/", views.enrolment_transition, name="enrolment_transition"),
    path("enrolments/<int:pk>/finish/", views.enrolment_finish, name="enrolment_finish"),
    path("records/<int:pk>/", views.record_detail, name="record"),
]

# --- Certificates and their register (issue 12.4) ---
from . import views_certificates  # noqa: E402

urlpatterns += [
    path("certificates/", views_certificates.certificate_register, name="certificate_register"),
    path(
        "certificates/frdo.xlsx",
        views_certificates.certificate_register_xlsx,
        name="certificate_register_xlsx",
    ),
    path("certificates/<int:pk>/", views_certificates.certificate_detail, name="certificate"),
    path("certificates/<int:pk>/pdf/", views_certificates.certificate_pdf, name="certificate_pdf"),
    path(
        "certificates/<int:pk>/duplicate/",
        views_certificates.certificate_duplicate,
        name="certificate_duplicate",
    ),
    path(
        "records/<int:pk>/certificate/",
        views_certificates.record_certificate_issue,
        name="record_certificate_issue",
    ),
]

# --- Imports of programmes, groups with participants, past training (issue 12.6) ---
from . import views_imports  # noqa: E402

urlpatterns += [
    path(f"imports/{kind}/", views_imports.course_import, {"kind": kind}, name=f"import_{kind}")
    for kind in views_imports.KINDS
] + [
    path(
        f"imports/{kind}/template.xlsx",
        views_imports.course_import_template,
        {"kind": kind},
        name=f"import_template_{kind}",
    )
    for kind in views_imports.KINDS
]
