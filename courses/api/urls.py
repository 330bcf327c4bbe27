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
