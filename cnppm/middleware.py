"""Request gates: a generated password must be changed and the personal-data consent given before
anything else is reachable; the user's region time zone is activated."""

import zoneinfo

from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from .services import consent_is_given

# Reachable before consent and password change: the gates themselves, logout, static files.
_OPEN_PREFIXES = ("/static/", "/media/", "/accounts/logout/", "/accounts/password/", "/consent/", "/admin/logout/")


class ConsentAndPasswordGateMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.path.startswith(_OPEN_PREFIXES):
            if user.must_change_password:
                return self._refuse(request, "account_change_password", "Смените выданный пароль.")
            if not consent_is_given(user):
                return self._refuse(request, "consent", "Дайте согласие на обработку персональных данных.")
        return self.get_response(request)

    @staticmethod
    def _refuse(request, url_name, message):
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message}, status=403)
        return redirect(f"{reverse(url_name)}?next={request.get_full_path()}")


class UserTimezoneMiddleware:
    """Regions span ten time zones: show times in the user's region zone (cached in the session)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        tzname = None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            tzname = request.session.get("tz")
            if tzname is None:
                from .models import Person

                tzname = (
                    Person.objects.filter(user_id=user.pk)
                    .values_list("organization__municipality__region__timezone", flat=True)
                    .first()
                ) or ""
                request.session["tz"] = tzname
        if tzname:
            try:
                timezone.activate(zoneinfo.ZoneInfo(tzname))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        return self.get_response(request)
