"""Read API of the staff directory: municipalities, organizations, people. Every queryset goes
through cnppm.access; an object outside the scope answers 404 like a missing one. People lists and
records are logged as personal-data reads (152-ФЗ)."""

from __future__ import annotations

from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed, PermissionDenied
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from cnppm import access
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
    scope = "api_token"
    rate = "10/min"


class TokenView(APIView):
    """Exchange a username (or e-mail) and password for an API token. An issued password that
    must still be changed gets no token."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [TokenThrottle]

    @extend_schema(
        request=serializers.TokenRequestSerializer,
        responses={200: serializers.TokenResponseSerializer},
        summary="Получить токен API",
    )
    def post(self, request):
        data = serializers.TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(
            request._request,
            username=data.validated_data["username"],
            password=data.validated_data["password"],
        )
        if user is None or not user.is_active:
            raise AuthenticationFailed("Неверное имя пользователя или пароль.")
        if user.must_change_password:
            raise PermissionDenied("Смените выданный пароль в портале, затем получите токен.")
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})
