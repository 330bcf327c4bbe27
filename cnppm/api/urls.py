from django.urls import path

from . import views
from .routers import Router

router = Router()
router.register("municipalities", views.MunicipalityViewSet, basename="api-municipality")
router.register("organizations", views.OrganizationViewSet, basename="api-organization")
router.register("people", views.PersonViewSet, basename="api-person")

urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="api-token"),
    *router.urls,
]
