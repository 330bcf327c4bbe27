"""The Celery app. With no broker configured tasks run eagerly in-process (see settings)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cnppm.settings")

app = Celery("cnppm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
