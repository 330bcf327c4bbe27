from django.apps import AppConfig


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = "Курсы ЦНППМ"

    def ready(self):
        # Course imports (issue 12.6) join the API's uploads before its URLs are built.
        from .views_imports import register_uploads

        register_uploads()
