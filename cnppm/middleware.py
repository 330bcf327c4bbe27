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
# static files and the icon. Everything else (pages, API, admin) waits.
_OPEN_PREFIXES = (
    "/static/",
    "/favicon.ico",
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
        if getattr(user, "gates_in_query", False):
            return self.get_response(request)  # the view's one statement asks the same (SessionUser)
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


# --- The session's user without the user row (issue 11.2) --------------------------------------

_SESSION_HASH_TTL = 60.0
_verified_sessions: dict[tuple, float] = {}


def session_user_only(view):
    """Marks a view (the answer autosave) that needs only the signed-in user's id: on a POST to it
    request.user is a SessionUser read from the session, not the user row. The view must ask the
    request gates (active account, password to change, consent) in its own query, as
    diagnostics.services.attempts.answer_save does; CSRF is enforced as for any view."""
    view.session_user_only = True
    return view


class SessionUser:
    """The signed-in user as the session names them: an id, nothing loaded."""

    is_authenticated = True
    is_anonymous = False
    gates_in_query = True  # ConsentAndPasswordGateMiddleware leaves the gates to the view's query

    def __init__(self, pk: int, request=None):
        self.pk = self.id = pk
        self._request = request
        self._user = None

    def __getattr__(self, name):
        # Anything beyond the id (an error page's menu, a permission check) gets the real user row,
        # loaded the usual way: only the hot path goes without it.
        if name.startswith("__") or self.__dict__.get("_request") is None:
            raise AttributeError(name)
        if self._user is None:
            from django.contrib.auth import get_user

            self._user = get_user(self._request)
        return getattr(self._user, name)

    def __str__(self):
        return f"user {self.pk}"


def _session_user(request) -> SessionUser | None:
    """The session's user id when the session is still valid for that user. Django checks the
    session's hash of the password on every user load (a password change ends the other sessions):
    here it is checked once a minute per session and process, reading the password column alone."""
    import time

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.utils.crypto import constant_time_compare

    session = request.session
    try:
        pk = int(session[SESSION_KEY])
    except (KeyError, TypeError, ValueError):
        return None
    if session.get(BACKEND_SESSION_KEY) not in settings.AUTHENTICATION_BACKENDS:
        return None
    session_hash = session.get(HASH_SESSION_KEY) or ""
    key = (pk, session_hash)
    now = time.monotonic()
    if _verified_sessions.get(key, 0) > now:
        return SessionUser(pk, request)
    model = get_user_model()
    password = model.objects.filter(pk=pk, is_active=True).values_list("password", flat=True).first()
    if password is None or not constant_time_compare(
        session_hash, model(pk=pk, password=password).get_session_auth_hash()
    ):
        return None  # the usual user load decides (it ends a stale session)
    if len(_verified_sessions) > 100_000:
        _verified_sessions.clear()
    _verified_sessions[key] = now + _SESSION_HASH_TTL
    return SessionUser(pk, request)


class SessionUserMiddleware:
    """After AuthenticationMiddleware: on a POST to a view marked `session_user_only`, request.user
    is the session's SessionUser (no user row on the hot path). Anything else keeps the lazy user."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST" and hasattr(request, "session"):
            from django.urls import Resolver404, resolve

            try:
                match = resolve(request.path_info)
            except Resolver404:
                match = None
            if match is not None and getattr(match.func, "session_user_only", False):
                user = _session_user(request)
                if user is not None:
                    request.user = user
        return self.get_response(request)
