"""API tokens: issue, look up, revoke. A user may hold several tokens (one per integration); each
expires after API_TOKEN_TTL, is stored as a digest (the key is shown once), and carries the
fingerprint of the password it was issued under, so any password change (allauth's forms, a reset,
the admin, `set_password` in a service) kills it by construction. Logout, a password change and a
reset also delete the rows (signals below)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from allauth.account.signals import password_changed, password_reset, password_set
from django.conf import settings
from django.contrib.auth.signals import user_logged_out
from django.db import transaction
from django.db.models import Q
from django.dispatch import receiver
from django.utils import timezone

from . import access
from .models import ApiToken
from .services import event_record

# A token's last use is written at most this often (not on every request).
_LAST_USED_EVERY = timedelta(minutes=1)


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def password_fingerprint(user) -> str:
    return user.get_session_auth_hash()


@transaction.atomic
def api_token_issue(*, actor) -> tuple[ApiToken, str]:
    """A new token for the actor; returns the row and the key (shown once, never stored)."""
    key = secrets.token_hex(20)
    now = timezone.now()
    token = ApiToken.objects.create(
        user=actor,
        key_digest=digest(key),
        prefix=key[:8],
        password_fingerprint=password_fingerprint(actor),
        created_at=now,
        expires_at=now + timedelta(seconds=settings.API_TOKEN_TTL),
    )
    return token, key


def api_token_lookup(key: str) -> tuple[ApiToken | None, str]:
    """The live token for `key` and "" , or None and why not ("invalid", "expired", "revoked")."""
    token = ApiToken.objects.select_related("user").filter(key_digest=digest(key)).first()
    if token is None or not token.user.is_active:
        return None, "invalid"
    now = timezone.now()
    if token.expires_at <= now:
        return None, "expired"
    if not secrets.compare_digest(token.password_fingerprint, password_fingerprint(token.user)):
        token.delete()
        return None, "revoked"
    if token.last_used_at is None or token.last_used_at < now - _LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token, ""


def tokens_of(user):
    """The user's own live tokens, newest first (the personal cabinet lists them)."""
    return ApiToken.objects.filter(user=user, expires_at__gt=timezone.now()).order_by("-created_at")


def tokens_for_operator(user):
    """Tokens an operator may see and revoke: those of people in the operator's region."""
    return ApiToken.objects.filter(access.api_token_q(user)).select_related("user").order_by("-created_at")


@transaction.atomic
def api_token_revoke(*, actor, token_id=None, key: str | None = None) -> int:
    """The owner revokes one of their tokens (by id, or the one they call with); an operator any
    token of a person in their region. Another's token answers like a missing one (0)."""
    if key is not None:
        rows = ApiToken.objects.filter(user=actor, key_digest=digest(key))
    else:
        rows = ApiToken.objects.filter(pk=token_id).filter(Q(user=actor) | access.api_token_q(actor))
    token = rows.select_related("user").first()
    if token is None:
        return 0
    if token.user_id != actor.pk:
        event_record(actor=actor, target=token.user, verb="api_token_revoked", old=token.prefix)
    token.delete()
    return 1


def api_tokens_revoke_all(*, user) -> int:
    return ApiToken.objects.filter(user=user).delete()[0]


@receiver(user_logged_out, dispatch_uid="cnppm_tokens_logout")
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        api_tokens_revoke_all(user=user)


@receiver(password_changed, dispatch_uid="cnppm_tokens_password_changed")
@receiver(password_set, dispatch_uid="cnppm_tokens_password_set")
@receiver(password_reset, dispatch_uid="cnppm_tokens_password_reset")
def _password_changed(sender, request, user, **kwargs):
    api_tokens_revoke_all(user=user)
