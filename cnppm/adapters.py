from allauth.account.adapter import DefaultAccountAdapter
from django import forms
from django.conf import settings
from django.urls import reverse

from . import auth_limits


class AccountAdapter(DefaultAccountAdapter):
    """Accounts come from the roster import or the operator: no open sign-up unless
    ACCOUNT_ALLOW_SIGNUP is set. After a password change the user goes on to the cabinet (the
    consent gate takes over from there if consent is still missing)."""

    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "too_many_login_attempts": "Слишком много неудачных попыток входа. Вход для этой учётной записи "
        "временно заблокирован, повторите попытку через несколько минут.",
        "username_password_mismatch": "Неверное имя пользователя или пароль.",
        "email_password_mismatch": "Неверный e-mail или пароль.",
        "account_inactive": "Учётная запись отключена. Обратитесь к оператору ЦНППМ.",
    }

    def is_open_for_signup(self, request):
        return settings.ACCOUNT_ALLOW_SIGNUP

    def get_password_change_redirect_url(self, request):
        return reverse("cabinet")

    def get_client_ip(self, request):
        """allauth's rate limits find the client like the login limit does (trusted proxies only)."""
        return auth_limits.client_ip(request)

    def authenticate(self, request, **credentials):
        """The login form and re-authentication go through the one login limit (cnppm.auth_limits)."""
        try:
            auth_limits.check(request, credentials)
            user = super().authenticate(request, **credentials)
        except auth_limits.LoginLocked as exc:
            raise forms.ValidationError(exc.message, code="too_many_login_attempts") from None
        if user is not None:
            auth_limits.record_success(request, credentials)
        elif getattr(request, "_cnppm_login_locked", None):
            raise forms.ValidationError(request._cnppm_login_locked.message, code="too_many_login_attempts")
        return user
