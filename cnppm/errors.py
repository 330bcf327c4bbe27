"""Error answers that say what happened and what to do, in the format the caller reads: JSON for
the API and htmx, a page otherwise.

- SQLite's "database is locked" (two writes at once outlasting the busy timeout) answers 503 with a
  retry message instead of a bare 500;
- anything else that escapes a view under /api/ answers JSON 500, never the HTML error page."""

from __future__ import annotations

import logging
import sys

from django.db import OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string

log = logging.getLogger(__name__)

DATABASE_BUSY_MESSAGE = (
    "Сервер сейчас занят другой записью, ваше действие не выполнено. "
    "Повторите его через несколько секунд — введённые данные не потеряны."
)
SERVER_ERROR_MESSAGE = "Внутренняя ошибка сервера. Данные не изменены; повторите запрос позже."
RETRY_AFTER_SECONDS = 5


def is_database_busy(exc) -> bool:
    return isinstance(exc, OperationalError) and "locked" in str(exc).lower()


def wants_json(request) -> bool:
    return (
        request.path.startswith("/api/")
        or bool(request.headers.get("HX-Request"))
        or "application/json" in request.headers.get("Accept", "")
    )


def database_busy_response(request) -> HttpResponse:
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if wants_json(request):
        return JsonResponse(
            {"detail": DATABASE_BUSY_MESSAGE, "code": "database_busy"}, status=503, headers=headers
        )
    html = render_to_string("503.html", {"message": DATABASE_BUSY_MESSAGE})
    return HttpResponse(html, status=503, headers=headers)


class DatabaseBusyMiddleware:
    """Turns "database is locked" raised by a view into the 503 retry answer."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if is_database_busy(exception):
            log.warning("database busy on %s %s", request.method, request.path)
            return database_busy_response(request)
        return None


def server_error(request, template_name="500.html"):
    """handler500: the Russian error page, or JSON for the API."""
    exc = sys.exc_info()[1]
    if is_database_busy(exc):
        return database_busy_response(request)
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": SERVER_ERROR_MESSAGE, "code": "server_error"}, status=500)
    return HttpResponse(render_to_string(template_name), status=500)
