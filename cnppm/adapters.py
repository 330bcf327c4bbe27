from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings


class AccountAdapter(DefaultAccountAdapter):
    """No open sign-up unless ACCOUNT_ALLOW_SIGNUP is set: accounts come from the roster import."""

    def is_open_for_signup(self, request):
        return settings.ACCOUNT_ALLOW_SIGNUP
