"""Read API of the staff directory: municipalities, organizations, people. Every queryset goes
through cnppm.access; an object outside the scope answers 404 like a missing one. People lists and
records are logged as personal-data reads (152-ФЗ)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.exceptions import AuthenticationFailed, NotFound, PermissionDenied
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from cnppm import access, auth_limits
from cnppm.api_tokens import api_token_issue, api_token_revoke
from cnppm.models import PersonalDataAccess, RoleAssignment
from cnppm.services import personal_data_log

from . import filters, serializers


class DirectoryPagination(PageNumberPagination):
    """50 per page by default; `?page_size=` up to 1 000 for integrations."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 1000


class MunicipalityViewSet(viewsets.ReadOnlyModelViewSet):
    """Municipalities the user may see aggregates of (region roles, ministry, municipal methodists)."""

    serializer_class = serializers.MunicipalitySerializer
    pagination_class = DirectoryPagination
    filterset_class = filters.MunicipalityFilter
    search_fields = ["name", "code"]
    ordering_fields = ["name", "code"]
    ordering = ["name"]

    def get_queryset(self):
        return access.municipalities(self.request.user).order_by("name", "id")


class OrganizationViewSet(viewsets.ReadOnlyModelViewSet):
    """Organizations in the user's scope (own organization, municipality or region)."""

    serializer_class = serializers.OrganizationSerializer
    pagination_class = DirectoryPagination
    filterset_class = filters.OrganizationFilter
    search_fields = ["short_name", "full_name"]
    ordering_fields = ["short_name", "municipality__name"]

    def get_queryset(self):
        return (
            access.organizations(self.request.user)
            .select_related("municipality")
            .order_by("municipality__name", "short_name", "id")
        )


class PersonViewSet(viewsets.ReadOnlyModelViewSet):
    """People in the user's scope (card section 1). The ministry gets none."""

    filterset_class = filters.PersonFilter
    pagination_class = DirectoryPagination
    search_fields = ["last_name", "first_name", "middle_name", "email"]
    ordering_fields = ["last_name", "experience_years", "organization__short_name"]

    def get_serializer_class(self):
        return (
            serializers.PersonDetailSerializer if self.action == "retrieve" else serializers.PersonSerializer
        )

    def get_queryset(self):
        from django.db.models import Prefetch

        return (
            access.person_rows(self.request.user)
            .select_related("organization__municipality")
            .prefetch_related(
                "subjects", Prefetch("roles", queryset=RoleAssignment.objects.only("person_id", "role"))
            )
            .order_by("last_name", "first_name", "middle_name", "id")
        )

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        records = (
            len(response.data.get("results", [])) if isinstance(response.data, dict) else len(response.data)
        )
        if records:
            personal_data_log(
                actor=request.user,
                action=PersonalDataAccess.Action.LIST,
                object_type="person",
                records=records,
                path=request.get_full_path(),
            )
        return response

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        personal_data_log(
            actor=request.user,
            action=PersonalDataAccess.Action.VIEW,
            object_type="person",
            object_id=kwargs.get("pk", ""),
            path=request.get_full_path(),
        )
        return response


class TokenThrottle(AnonRateThrottle):
    """Requests of any outcome, per real client (the same address the login limit uses)."""

    scope = "api_token"
    rate = "10/min"

    def get_ident(self, request):
        return auth_limits.client_ip(request)


class TokenView(APIView):
    """POST: exchange a username (or e-mail) and password for a new API token (several per user; each
    expires after API_TOKEN_TTL). Wrong passwords count against the one login limit of every door
    (cnppm.auth_limits): a locked account or client answers 429. An issued password that must
    still be changed gets no token. DELETE: revoke the token the request is made with, or
    `?id=` one of the caller's tokens."""

    permission_classes = [AllowAny]

    def _issuing(self) -> bool:
        return getattr(self.request, "method", "POST") == "POST"

    def get_authenticators(self):
        # Issuing takes a password, not a token: a stale token header must not block it.
        return [] if self._issuing() else super().get_authenticators()

    def get_throttles(self):
        return [TokenThrottle()] if self._issuing() else []

    def get_permissions(self):
        if self._issuing():
            return [AllowAny()]
        from .permissions import PortalUserPermission

        return [PortalUserPermission()]

    @extend_schema(
        request=serializers.TokenRequestSerializer,
        responses={200: serializers.TokenResponseSerializer},
        summary="Получить токен API",
    )
    def post(self, request):
        data = serializers.TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            user = auth_limits.authenticate(
                request._request,
                username=data.validated_data["username"],
                password=data.validated_data["password"],
            )
        except auth_limits.LoginLocked as exc:
            return Response(
                {"detail": exc.message, "code": "login_locked", "retry_after": exc.lock.seconds},
                status=status.HTTP_429_TOO_MANY_REQUESTS,
                headers={"Retry-After": str(exc.lock.seconds)},
            )
        if user is None or not user.is_active:
            raise AuthenticationFailed("Неверное имя пользователя или пароль.")
        if user.must_change_password:
            raise PermissionDenied("Смените выданный пароль в портале, затем получите токен.")
        token, key = api_token_issue(actor=user)
        return Response({"token": key, "expires_at": token.expires_at})

    @extend_schema(
        request=None,
        parameters=[OpenApiParameter("id", int, description="Номер своего токена (иначе — текущий)")],
        responses={200: serializers.TokenRevokeResponseSerializer},
        summary="Отозвать токен API",
    )
    def delete(self, request):
        token_id = request.query_params.get("id")
        if token_id:
            if not token_id.isdigit():
                raise NotFound
            revoked = api_token_revoke(actor=request.user, token_id=int(token_id))
        elif request.auth is not None and hasattr(request.auth, "key_digest"):
            revoked = api_token_revoke(actor=request.user, token_id=request.auth.pk)
        else:
            raise NotFound("Укажите ?id= токена или отправьте запрос с этим токеном.")
        if not revoked:
            raise NotFound
        return Response({"revoked": revoked})
