from django.urls import path  # noqa: F401

urlpatterns: list = []

# Instruments, statistics and results export (engineer B).
from rest_framework.routers import SimpleRouter  # noqa: E402

from .views_instruments import InstrumentViewSet  # noqa: E402

_instruments = SimpleRouter()
_instruments.register("instruments", InstrumentViewSet, basename="instrument")
urlpatterns += _instruments.urls
