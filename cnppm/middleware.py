"""Request gates: a generated password must be changed and the personal-data consent given before
anything else is reachable; the user's region time zone is activated."""

import zoneinfo

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from .services import consent_is_given

# Reachable before consent and password change: the gates themselves, logout, password reset,
# static files. Everything else (pages, API, admin) waits.
_OPEN_PREFIXES = (
    "/static/",
    "/accounts/logout/",
    "/accounts/password/",
    "/consent/",
    "/admin/logout/",
)
TZ_SESSION_KEY = "cnppm_tz"


class ConsentAndPasswordGateMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.path.startswith(_OPEN_PREFIXES):
            if user.must_change_password:
                return self._refuse(
                    request, "account_change_password", "Смените выданный пароль, чтобы продолжить работу."
                )
            if not consent_is_given(user):
                return self._refuse(
                    request,
                    "consent",
                    "Дайте согласие на обработку персональных данных, чтобы продолжить работу.",
                )
        return self.get_response(request)

    @staticmethod
    def _refuse(request, url_name, message):
        if request.path.startswith("/api/") or request.headers.get("HX-Request"):
            return JsonResponse({"detail": message}, status=403)
        target = reverse(url_name)
        if request.method == "GET" and request.path != "/":
            target = f"{target}?{urlencode({'next': request.get_full_path()})}"
        return redirect(target)


def region_timezone_name(user) -> str:
    """The IANA zone of the user's region ('' when the user has no person or no region)."""
    from .models import Person

    return (
        Person.objects.filter(user_id=user.pk)
        .values_list("organization__municipality__region__timezone", flat=True)
        .first()
    ) or ""


class UserTimezoneMiddleware:
    """Regions span ten time zones: times are shown in the user's region zone, the portal's
    TIME_ZONE otherwise. The zone is cached in the session and refreshed at each login."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        tzname = ""
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            cached = request.session.get(TZ_SESSION_KEY)
            if not cached or cached[0] != user.pk:
                cached = [user.pk, region_timezone_name(user)]
                request.session[TZ_SESSION_KEY] = cached
            tzname = cached[1]
        try:
            timezone.activate(zoneinfo.ZoneInfo(tzname or settings.TIME_ZONE))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
