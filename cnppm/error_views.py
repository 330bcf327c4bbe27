"""The portal's own answers to a refused request: a permission denial (403) and a failed CSRF check,
in Russian, whatever DEBUG is. API and htmx requests get JSON, like every other API error."""

from django.http import JsonResponse
from django.shortcuts import render

CSRF_MESSAGE = "Форма устарела: обновите страницу и отправьте её ещё раз."
DENIED_MESSAGE = "Недостаточно прав для этого действия."


def _wants_json(request) -> bool:
    return request.path.startswith("/api/") or bool(request.headers.get("HX-Request"))


def permission_denied(request, exception=None):
    """handler403. The exception's text is not shown: it may name what the user may not see."""
    if _wants_json(request):
        return JsonResponse({"detail": DENIED_MESSAGE}, status=403)
    return render(request, "403.html", status=403)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW. Replaces Django's page (which, with DEBUG on, explains the setting)."""
    if _wants_json(request):
        return JsonResponse({"detail": CSRF_MESSAGE, "code": "csrf"}, status=403)
    return render(request, "403_csrf.html", status=403)
