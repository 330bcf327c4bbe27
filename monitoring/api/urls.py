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
