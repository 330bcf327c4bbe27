from django.urls import path  # noqa: F401

app_name = "monitoring"
urlpatterns: list = []

# Dashboards, periods and computation, reference input (engineer A).
from .views import dashboard as dashboard_views  # noqa: E402
from .views import reference as reference_views  # noqa: E402
from .views import runs as run_views  # noqa: E402

urlpatterns += [
    path("", dashboard_views.dashboard, name="dashboard"),
    path("compare/", dashboard_views.compare, name="compare"),
    path("municipalities/<int:pk>/", dashboard_views.municipality_detail, name="municipality"),
    path("periods/", run_views.periods, name="periods"),
    path("periods/<int:pk>/compute/", run_views.period_compute, name="period_compute"),
    path("periods/<int:pk>/close/", run_views.period_close, name="period_close"),
    path("periods/<int:pk>/reopen/", run_views.period_reopen, name="period_reopen"),
    path("runs/<int:pk>/status/", run_views.run_status, name="run_status"),
    path("reference/", reference_views.reference_home, name="reference_home"),
    path("reference/statistics/", reference_views.statistics, name="statistics"),
    path("reference/statistics/import/", reference_views.statistics_import, name="statistics_import"),
    path("reference/organizations/", reference_views.org_facts, name="org_facts"),
    path("reference/events/", reference_views.events, name="events"),
    path("reference/events/<int:pk>/delete/", reference_views.event_delete, name="event_delete"),
    path("reference/plans/", reference_views.plans, name="plans"),
]

# Reports (engineer B).
from .views import reports as report_views  # noqa: E402

urlpatterns += [
    path("reports/", report_views.reports, name="reports"),
    path("reports/runs/", report_views.reports_runs, name="reports_runs"),
    path("reports/<int:pk>/download/", report_views.report_download, name="report_download"),
    path("reports/quarterly/", report_views.quarterly_reports, name="quarterly_reports"),
    path("reports/quarterly/request/", report_views.quarterly_request, name="quarterly_request"),
]

# The federal level (issue 10.3): every region's aggregates side by side.
from .views import federal as federal_views  # noqa: E402

urlpatterns += [
    path("regions/", federal_views.regions, name="regions"),
    path("regions/export/", federal_views.regions_xlsx, name="regions_xlsx"),
]
