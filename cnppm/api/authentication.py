"""`Authorization: Token <key>` against cnppm.ApiToken (several per user, expiring, revocable)."""

from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from cnppm.api_tokens import api_token_lookup

_REFUSALS = {
    "invalid": "Недействительный токен. Получите новый токен: POST /api/v1/auth/token/.",
    "expired": "Срок действия токена истёк. Получите новый токен: POST /api/v1/auth/token/.",
    "revoked": "Токен отозван: пароль учётной записи изменён. Получите новый токен.",
}


class TokenAuthFailed(AuthenticationFailed):
    """Answered 401 with `WWW-Authenticate: Token` (cnppm.api.exceptions), whatever DRF's first
    authentication class is."""


class ApiTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        token, refusal = api_token_lookup(key)
        if token is None:
            raise TokenAuthFailed(_REFUSALS[refusal], code=f"token_{refusal}")
        return token.user, token
