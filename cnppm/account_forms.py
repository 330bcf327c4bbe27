"""allauth's forms the portal replaces (settings.ACCOUNT_FORMS).

The password change checks the current password with `user.check_password`, not through
`authenticate`, so the one login limit (cnppm.auth_limits) did not see it: a stolen session could
guess the password it needs to take the account over without limit. Here a wrong current password
counts like a failed login of that account from that client, and while locked no password is
compared at all."""

from __future__ import annotations

from allauth.account.forms import ChangePasswordForm
from allauth.core import context
from django import forms

from . import auth_limits


class LimitedChangePasswordForm(ChangePasswordForm):
    def clean_oldpassword(self) -> str:
        request = context.request
        credentials = {"username": self.user.get_username()}
        try:
            auth_limits.check(request, credentials)
        except auth_limits.LoginLocked as exc:
            minutes = max(1, (exc.lock.seconds + 59) // 60)
            raise forms.ValidationError(
                "Слишком много неверных попыток ввести текущий пароль. Смена пароля временно "
                f"заблокирована: повторите попытку через {minutes} мин.",
                code="locked",
            ) from None
        password = self.cleaned_data.get("oldpassword", "")
        if not self.user.check_password(password):
            auth_limits.record_failure(request, credentials)
            raise forms.ValidationError("Текущий пароль введён неверно.", code="wrong_password")
        auth_limits.record_success(request, credentials)
        return password
