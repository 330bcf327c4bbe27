"""Helpers of the authoring commands: find the instrument by code, the acting user by name."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from diagnostics.models import Instrument


def instrument_by_code(code: str) -> Instrument:
    try:
        return Instrument.objects.get(code=code)
    except Instrument.DoesNotExist:
        raise CommandError(f"Нет диагностической работы с кодом «{code}».") from None


def actor_by_username(username: str | None):
    """None runs as the system (the command line is trusted); a name runs as that operator."""
    if not username:
        return None
    try:
        return get_user_model().objects.get(username=username)
    except get_user_model().DoesNotExist:
        raise CommandError(f"Нет пользователя «{username}».") from None
