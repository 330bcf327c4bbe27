"""The API's schema and its Swagger UI, for signed-in users only. The UI's assets are vendored under
static/vendor/swagger-ui/ and its start-up script is a separate same-origin response, so the page
loads nothing from outside and runs under the portal's Content-Security-Policy."""

from django.contrib.auth.decorators import login_required
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.renderers import JSONRenderer


class SchemaView(SpectacularAPIView):
    """The OpenAPI schema. Permissions come from SPECTACULAR_SETTINGS["SERVE_PERMISSIONS"]
    (signed-in portal users); anonymous API clients get 403 JSON."""

    def handle_exception(self, exc):
        # Errors are JSON like the rest of the API, not a YAML "schema" holding an error.
        response = super().handle_exception(exc)
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return response


class SwaggerView(SpectacularSwaggerSplitView):
    template_name = "api/swagger_ui.html"


# A browser that is not signed in is sent to the login page and back, like every other page.
swagger_view = login_required(SwaggerView.as_view(url_name="api-schema"))
schema_view = SchemaView.as_view()
