"""Test-only entry point (tests/cnppm/test_jobs_worker_killed.py): a real Celery worker, in its own
process, whose work is slow on purpose so that a test can `kill -9` it in the middle of a task.

SLOW_JOB_SECONDS makes every report rendering and every card of an archive sleep that long first
(the production code is untouched: the functions are wrapped here). The worker consumes TEST_QUEUE
only, and tasks it sends (the sweeper's requeue) go to the same queue. Database, broker, media roots
and the lease settings come from the environment like in production."""

from __future__ import annotations

import os
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cnppm.settings")

import django  # noqa: E402

django.setup()


def slow_down(delay: float) -> None:
    from monitoring.services import reports
    from routes import exports

    build, render_card = reports.report_build, exports.render_card_pdf

    def slow_build(run):
        report = build(run)
        render = report.render

        def render_slowly(fmt, context=None):
            time.sleep(delay)
            return render(fmt, context)

        report.render = render_slowly
        return report

    def slow_card(route, card=None):
        time.sleep(delay)
        return render_card(route, card)

    reports.report_build = slow_build
    exports.render_card_pdf = slow_card


def main() -> None:
    from cnppm.celery import app

    delay = float(os.environ.get("SLOW_JOB_SECONDS") or 0)
    if delay:
        slow_down(delay)
    queue = os.environ["TEST_QUEUE"]
    app.conf.update(task_default_queue=queue, task_routes=None)
    app.worker_main(
        [
            "worker",
            "--loglevel=INFO",
            "--pool=prefork",
            "--concurrency=1",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-Q",
            queue,
            "-n",
            f"{queue}-{os.getpid()}@%h",
        ]
    )


if __name__ == "__main__":
    main()
