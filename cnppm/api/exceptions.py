from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from cnppm.errors import DATABASE_BUSY_MESSAGE, RETRY_AFTER_SECONDS, is_database_busy
from cnppm.services import DomainError

from .authentication import TokenAuthFailed


def exception_handler(exc, context):
    """Domain errors become 400 with their Russian message; a refused token 401 (whatever the first
    authentication class); a busy SQLite 503 with a retry message; everything else as DRF does it.
    What DRF leaves unhandled reaches handler500 (cnppm.errors.server_error), which answers JSON
    under /api/."""
    if isinstance(exc, DomainError):
        return Response({"detail": exc.message, "code": exc.code}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, TokenAuthFailed):
        return Response(
            {"detail": str(exc.detail), "code": exc.get_codes()},
            status=status.HTTP_401_UNAUTHORIZED,
            headers={"WWW-Authenticate": 'Token realm="api"'},
        )
    if is_database_busy(exc):
        return Response(
            {"detail": DATABASE_BUSY_MESSAGE, "code": "database_busy"},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    return drf_exception_handler(exc, context)
