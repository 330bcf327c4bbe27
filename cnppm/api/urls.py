from django.urls import path

from . import views, views_imports, views_me
from .routers import Router

router = Router()
router.register("municipalities", views.MunicipalityViewSet, basename="api-municipality")
router.register("organizations", views.OrganizationViewSet, basename="api-organization")
router.register("people", views.PersonViewSet, basename="api-person")
router.register("import-jobs", views_imports.ImportJobViewSet, basename="api-import-job")

urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="api-token"),
    path("me/profile/", views_me.MyProfileView.as_view(), name="api-my-profile"),
    path("me/consent/withdraw/", views_me.ConsentWithdrawView.as_view(), name="api-consent-withdraw"),
    *views_imports.upload_urls(),
    *router.urls,
]
