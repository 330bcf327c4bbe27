from cnppm.api.routers import Router

from .views import EnrolmentViewSet, GroupViewSet, ProgrammeViewSet, SessionViewSet

urlpatterns: list = []

# --- Programmes, groups, sessions, enrolments (issue 12.1–12.3) ---
_courses = Router()
_courses.register("programmes", ProgrammeViewSet, basename="course-programme")
_courses.register("groups", GroupViewSet, basename="course-group")
_courses.register("sessions", SessionViewSet, basename="course-session")
_courses.register("enrolments", EnrolmentViewSet, basename="course-enrolment")
urlpatterns += _courses.urls

# --- Certificates and course figures (issue 12.4–12.6) ---
from django.urls import path  # noqa: E402

from .certificates import CertificateViewSet, ProgrammeFiguresView  # noqa: E402

_certificates = Router()
_certificates.register("certificates", CertificateViewSet, basename="course-certificate")
urlpatterns += _certificates.urls
urlpatterns += [
    path("programmes/<int:pk>/figures/", ProgrammeFiguresView.as_view(), name="course-programme-figures"),
]
