from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from . import import_views, token_views, views
from .api.docs import schema_view, swagger_view
from .health import health

# Refusals get the portal's own Russian pages (JSON for the API), whatever DEBUG is.
handler403 = "cnppm.error_views.permission_denied"

admin.site.site_header = "Администрирование портала ЦНППМ"
admin.site.site_title = "ЦНППМ"
admin.site.index_title = "Справочники и данные"
# Errors that escape a view: JSON under /api/, 503 with a retry message for a busy SQLite.
handler500 = "cnppm.errors.server_error"

api_v1 = [
    path("", include("cnppm.api.urls")),
    path("", include("diagnostics.api.urls")),
    path("", include("routes.api.urls")),
    path("", include("monitoring.api.urls")),
    path("courses/", include("courses.api.urls")),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", health, name="health"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("cabinet/", views.cabinet, name="cabinet"),
    path("cabinet/profile/", views.profile_edit, name="profile_edit"),
    path("consent/", views.consent, name="consent"),
    path("consent/withdraw/", views.consent_withdraw, name="consent_withdraw"),
    path("notifications/", views.notifications, name="notifications"),
    path("api-tokens/", token_views.tokens_list, name="api_tokens"),
    path("api-tokens/<int:pk>/revoke/", token_views.token_revoke, name="api_token_revoke"),
    path("people/", views.people_list, name="people_list"),
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
    path("people/depersonalised/", views.depersonalisations, name="depersonalisations"),
    path("organizations/", views.organizations_list, name="organizations_list"),
    path("imports/", include("cnppm.import_urls")),
    path(
        "accounts/activate/<str:uidb36>/<str:token>/", import_views.account_activate, name="account_activate"
    ),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("diagnostics/", include("diagnostics.urls")),
    path("routes/", include("routes.urls")),
    path("monitoring/", include("monitoring.urls")),
    path("courses/", include("courses.urls")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", schema_view, name="api-schema"),
    path("api/docs/", swagger_view, name="api-docs"),
]

# Uploaded files (item images) are served only to signed-in users; evidence files of routes are
# served by the routes app through its scoped views.
urlpatterns.append(
    path("media/<path:path>", views.media_for_signed_in, {"document_root": settings.MEDIA_ROOT}, name="media")
)
