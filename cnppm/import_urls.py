from django.urls import path

from . import import_views

urlpatterns = [
    path("", import_views.imports, name="imports"),
]
