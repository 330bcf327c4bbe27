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
