"""One limit on password guessing, whatever the door (login form, /admin/login/, the API token
endpoint, allauth's re-authentication, anything else that calls `django.contrib.auth.authenticate`).

Two counters per failed password check:
- account × client: LOGIN_ACCOUNT_FAILURES failures within LOGIN_ACCOUNT_WINDOW seconds lock that
  account *for that client* for LOGIN_LOCKOUT seconds. Keyed on the client too, so a stranger who
  guesses at someone's login cannot lock the owner out;
- client: LOGIN_CLIENT_FAILURES failures within LOGIN_CLIENT_WINDOW seconds, whatever the names
  tried, lock that client for LOGIN_CLIENT_LOCKOUT seconds.

The client is `client_ip(request)`: REMOTE_ADDR, or an X-Forwarded-For hop only as far as
NUM_PROXIES / TRUSTED_PROXIES allow. allauth's rate limits use the same function (the adapter).

Counters live in the `auth_limits` cache (Redis) when it is configured. When that cache fails, or
when there is no Redis (the local-memory cache is per process, so N workers would give N times the
guesses), they live in the database (LoginLimit rows): never unlimited, never locking everyone.

`LoginLimitBackend`, first in AUTHENTICATION_BACKENDS, refuses a locked check before any password
is compared, and the `user_login_failed` signal counts every failure, so a door that is not wired
explicitly is limited all the same; the wired doors (`authenticate` below) also tell the user when
to try again, with one message.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from django.conf import settings
from django.contrib.auth import authenticate as django_authenticate
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_login_failed
from django.core.cache import caches
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.dispatch import receiver
from django.utils import timezone

log = logging.getLogger(__name__)

_REFUSED_FLAG = "_cnppm_login_locked"


# --- The client's address -------------------------------------------------------------------


@lru_cache(maxsize=8)
def _trusted_networks(spec: tuple[str, ...]):
    return tuple(ipaddress.ip_network(part, strict=False) for part in spec)


def _clean_ip(value: str) -> str | None:
    value = value.strip().strip('"')
    if value.startswith("[") and "]" in value:  # [v6]:port
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # v4:port
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_ip(request) -> str:
    """The client's address. X-Forwarded-For is read right to left (each proxy appends the address
    it saw), and a hop is believed only while the address to its right is a trusted proxy: one of
    the first NUM_PROXIES hops, or one inside TRUSTED_PROXIES. With neither set (the default),
    X-Forwarded-For is ignored: anybody can write it."""
    remote = _clean_ip(request.META.get("REMOTE_ADDR", "") or "") or "unknown"
    forwarded = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    chain = forwarded + [remote]
    networks = _trusted_networks(tuple(getattr(settings, "TRUSTED_PROXIES", ())))
    counted = getattr(settings, "NUM_PROXIES", 0)
    position = len(chain) - 1
    address = remote
    while position > 0:
        hop_ip = ipaddress.ip_address(address) if address != "unknown" else None
        trusted = counted > 0 or (hop_ip is not None and any(hop_ip in net for net in networks))
        if not trusted:
            break
        counted -= 1
        candidate = _clean_ip(chain[position - 1])
        if candidate is None:
            break
        address = candidate
        position -= 1
    return address


# --- Refusal --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lock:
    until: datetime

    @property
    def seconds(self) -> int:
        return max(1, int((self.until - timezone.now()).total_seconds() + 0.999))

    @property
    def message(self) -> str:
        minutes = max(1, (self.seconds + 59) // 60)
        # The clock time is the active zone's (the server's for a visitor not signed in): named.
        at = timezone.localtime(self.until).strftime("%H:%M %Z").strip()
        return (
            "Слишком много неудачных попыток входа. Вход временно заблокирован: "
            f"повторите попытку через {minutes} мин. (после {at})."
        )


class LoginLocked(Exception):
    def __init__(self, lock: Lock):
        super().__init__(lock.message)
        self.lock = lock
        self.message = lock.message


# --- Storage: the cache, the database when the cache fails ----------------------------------


class _CacheStore:
    def __init__(self, alias: str):
        self.cache = caches[alias]

    def locked_until(self, keys: list[str]) -> datetime | None:
        found = self.cache.get_many([f"lock:{key}" for key in keys])
        stamps = [value for value in found.values() if value]
        return datetime.fromtimestamp(max(stamps), tz=UTC) if stamps else None

    def fail(self, key: str, limit: int, window: int, lockout: int) -> None:
        counter = f"count:{key}"
        self.cache.add(counter, 0, window)
        if self.cache.incr(counter) >= limit:
            until = timezone.now() + timedelta(seconds=lockout)
            self.cache.set(f"lock:{key}", until.timestamp(), lockout)
            self.cache.delete(counter)

    def clear(self, key: str) -> None:
        self.cache.delete(f"count:{key}")


class _DatabaseStore:
    def locked_until(self, keys: list[str]) -> datetime | None:
        from .models import LoginLimit

        now = timezone.now()
        rows = LoginLimit.objects.filter(key__in=keys, locked_until__gt=now)
        return max((row.locked_until for row in rows), default=None)

    @transaction.atomic
    def fail(self, key: str, limit: int, window: int, lockout: int) -> None:
        from .models import LoginLimit

        now = timezone.now()
        row, _ = LoginLimit.objects.select_for_update().get_or_create(key=key, defaults={"window_start": now})
        if row.window_start <= now - timedelta(seconds=window):
            row.window_start, row.failures = now, 0
        row.failures += 1
        if row.failures >= limit:
            row.locked_until, row.failures, row.window_start = now + timedelta(seconds=lockout), 0, now
        row.save()
        # Rows of long-finished windows are dead weight: drop them as we go.
        stale = now - timedelta(seconds=max(window, lockout) + 3600)
        LoginLimit.objects.filter(window_start__lt=stale).filter(
            Q(locked_until__isnull=True) | Q(locked_until__lt=now)
        ).delete()

    def clear(self, key: str) -> None:
        from .models import LoginLimit

        LoginLimit.objects.filter(key=key, locked_until__isnull=True).delete()


def _run(operation: str, *args):
    """Ask the cache; if it fails (Redis down), ask the database instead."""
    alias = getattr(settings, "AUTH_LIMITS_CACHE", None)
    if alias:
        try:
            return getattr(_CacheStore(alias), operation)(*args)
        except Exception:  # any cache failure: the database still counts
            log.warning("auth limits: the cache failed, counting in the database", exc_info=True)
    return getattr(_DatabaseStore(), operation)(*args)


# --- Keys -----------------------------------------------------------------------------------


def _login_of(credentials: dict) -> str:
    return str(credentials.get("username") or credentials.get("email") or "").strip().lower()


def _account(login: str) -> str:
    """A known account is keyed by its id (its username and e-mail share one budget); a made-up
    name by a digest of itself, so it never touches a real account's counter."""
    if login:
        pk = (
            get_user_model()
            .objects.filter(Q(username__iexact=login) | Q(email__iexact=login))
            .values_list("pk", flat=True)
            .first()
        )
        if pk is not None:
            return f"user{pk}"
    return "name:" + hashlib.sha256(login.encode()).hexdigest()[:32]


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:32]


def _keys(request, credentials: dict) -> tuple[str, str]:
    client = client_ip(request) if request is not None else "unknown"
    account = _account(_login_of(credentials))
    return f"login:acct:{_digest(account + '|' + client)}", f"login:client:{_digest(client)}"


# --- The limiter ----------------------------------------------------------------------------


def check(request, credentials: dict) -> None:
    """Raise LoginLocked when this account from this client, or this client, is locked."""
    until = _run("locked_until", list(_keys(request, credentials)))
    if until is not None and until > timezone.now():
        raise LoginLocked(Lock(until))


def record_failure(request, credentials: dict) -> None:
    account_key, client_key = _keys(request, credentials)
    _run(
        "fail",
        account_key,
        settings.LOGIN_ACCOUNT_FAILURES,
        settings.LOGIN_ACCOUNT_WINDOW,
        settings.LOGIN_LOCKOUT,
    )
    _run(
        "fail",
        client_key,
        settings.LOGIN_CLIENT_FAILURES,
        settings.LOGIN_CLIENT_WINDOW,
        settings.LOGIN_CLIENT_LOCKOUT,
    )


def record_success(request, credentials: dict) -> None:
    """A right password forgives this account's failures from this client (not the client's:
    a guesser with one valid account must not reset its budget by signing in now and then)."""
    _run("clear", _keys(request, credentials)[0])


def authenticate(request, **credentials):
    """`django.contrib.auth.authenticate` behind the limit: raises LoginLocked (its message says
    when to try again) instead of checking a password while locked."""
    check(request, credentials)
    user = django_authenticate(request, **credentials)
    if user is not None:
        record_success(request, credentials)
    elif request is not None and getattr(request, _REFUSED_FLAG, None):
        raise LoginLocked(getattr(request, _REFUSED_FLAG))
    return user


class LoginLimitBackend:
    """First backend: while locked, no backend gets to compare the password (PermissionDenied
    stops `authenticate`). Checks no password itself."""

    def authenticate(self, request, password=None, **credentials):
        if password is None:
            return None
        try:
            check(request, credentials)
        except LoginLocked as exc:
            if request is not None:
                setattr(request, _REFUSED_FLAG, exc.lock)
            raise PermissionDenied(exc.message) from exc
        return None

    def get_user(self, user_id):
        # Sessions started by a caller that names no backend (force_login takes the first) still
        # resolve their user.
        return ModelBackend().get_user(user_id)


@receiver(user_login_failed)
def _count_failure(sender, credentials, request=None, **kwargs):
    if request is not None and getattr(request, _REFUSED_FLAG, None):
        return  # refused while locked: no password was compared, nothing to count
    record_failure(request, credentials)
