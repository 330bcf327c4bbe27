"""The Celery app. With no broker configured tasks run eagerly in-process (see settings)."""

import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cnppm.settings")

app = Celery("cnppm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.worker_init.connect
def _warm_up_renderer(**kwargs):
    """Before the pool's processes are forked (or in the only process of a solo pool): the
    renderer's one-time costs paid and the heap frozen once, inherited by every child
    (cnppm.pdf.worker_ready). In the parent, not in `worker_process_init`: a child has a few
    seconds to report ready, and on a loaded machine a cold WeasyPrint can take longer."""
    from cnppm.pdf import worker_ready

    worker_ready()
