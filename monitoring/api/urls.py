from django.urls import path  # noqa: F401

urlpatterns: list = []

# Indicators, snapshots, computation runs (engineer A).
from . import views as indicator_views  # noqa: E402

urlpatterns += [
    path("monitoring/indicators/", indicator_views.IndicatorList.as_view(), name="monitoring-indicators"),
    path("monitoring/snapshots/", indicator_views.SnapshotList.as_view(), name="monitoring-snapshots"),
    path("monitoring/runs/", indicator_views.RunList.as_view(), name="monitoring-runs"),
    path("monitoring/runs/<int:pk>/", indicator_views.RunDetail.as_view(), name="monitoring-run-detail"),
]

# Reports (engineer B).
from . import views_reports as report_views  # noqa: E402

urlpatterns += [
    path("monitoring/reports/", report_views.ReportRunList.as_view(), name="monitoring-reports"),
    path(
        "monitoring/reports/<int:pk>/",
        report_views.ReportRunDetail.as_view(),
        name="monitoring-report-detail",
    ),
    path(
        "monitoring/reports/<int:pk>/download/",
        report_views.ReportRunDownload.as_view(),
        name="monitoring-report-download",
    ),
]

# The federal level (issue 10.3).
from . import views_federal as federal_views  # noqa: E402

urlpatterns += [
    path("monitoring/federal/", federal_views.FederalRegions.as_view(), name="monitoring-federal"),
]

# Reference input and periods (issue 10.4).
from cnppm.api.routers import Router  # noqa: E402

from . import views_reference as reference_views  # noqa: E402

_reference = Router()
_reference.register(
    "monitoring/reference/statistics", reference_views.ReferenceStatisticViewSet, "api-refstat"
)
_reference.register(
    "monitoring/reference/organizations", reference_views.OrganizationFactViewSet, "api-orgfact"
)
_reference.register("monitoring/reference/events", reference_views.RegionalEventViewSet, "api-regional-event")
_reference.register("monitoring/reference/plans", reference_views.IndicatorPlanViewSet, "api-indicator-plan")
_reference.register("monitoring/periods", reference_views.PeriodViewSet, "api-period")
urlpatterns += _reference.urls
