from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.urls import reverse


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
