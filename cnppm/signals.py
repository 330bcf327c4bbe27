"""Receivers of account events (allauth): a changed, set or reset password clears the
"must change the issued password" flag; a login refreshes the cached region time zone."""

from allauth.account.signals import password_changed, password_reset, password_set
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from . import services
from .middleware import TZ_SESSION_KEY


@receiver(password_changed, dispatch_uid="cnppm_password_changed")
@receiver(password_set, dispatch_uid="cnppm_password_set")
@receiver(password_reset, dispatch_uid="cnppm_password_reset")
def _password_changed(sender, request, user, **kwargs):
    services.account_password_changed(actor=user)


@receiver(user_logged_in, dispatch_uid="cnppm_logged_in_tz")
def _logged_in(sender, request, user, **kwargs):
    session = getattr(request, "session", None)
    if session is not None:
        session.pop(TZ_SESSION_KEY, None)
