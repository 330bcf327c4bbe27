from django.urls import path

from . import import_views

urlpatterns = [
    path("", import_views.imports, name="imports"),
    path("roster/", import_views.roster_upload, name="imports_roster"),
    path("roster/template.xlsx", import_views.roster_template, name="imports_roster_template"),
    path("structure/", import_views.structure_upload, name="imports_structure"),
    path("structure/template.xlsx", import_views.structure_template, name="imports_structure_template"),
    # History before the portal (issue 10.2).
    *(
        path(
            f"{kind.replace('_', '-')}/", import_views.history_upload, {"kind": kind}, name=f"imports_{kind}"
        )
        for kind in import_views.HISTORY_KINDS
    ),
    *(
        path(
            f"{kind.replace('_', '-')}/template.xlsx",
            import_views.history_template,
            {"kind": kind},
            name=f"imports_{kind}_template",
        )
        for kind in import_views.HISTORY_KINDS
    ),
    path("jobs/<int:pk>/", import_views.import_job, name="import_job"),
    path("jobs/<int:pk>/confirm/", import_views.import_job_confirm, name="import_job_confirm"),
    path("credentials.xlsx", import_views.credentials, name="imports_credentials"),
]
