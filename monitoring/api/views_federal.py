"""API of the federal level (issue 10.3): every region's indicators side by side for a period code,
with the federal aggregate (monitoring.federal). Region-level aggregates only; the federal role
alone (others: 404, as if the endpoint did not exist)."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from cnppm.api.permissions import HasRole
from cnppm.choices import Role

from .. import federal


class FederalQuerySerializer(serializers.Serializer):
    period = serializers.CharField(
        required=False,
        max_length=20,
        help_text="Код периода (2024, 2024-Q2…); по умолчанию последний рассчитанный",
    )
    cumulative = serializers.BooleanField(required=False, default=True, help_text="Нарастающим итогом")


class FigureSerializer(serializers.Serializer):
    numerator = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    denominator = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    value = serializers.DecimalField(max_digits=14, decimal_places=4, allow_null=True)
    note = serializers.CharField()


class TotalSerializer(FigureSerializer):
    regions = serializers.IntegerField(help_text="Сколько регионов вошло в сумму")


class FederalIndicatorSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    unit = serializers.CharField()
    places = serializers.IntegerField()


class RegionSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    computed_at = serializers.DateTimeField(allow_null=True)
    is_closed = serializers.BooleanField(source="period.is_closed", default=None, allow_null=True)
    values = serializers.DictField(child=FigureSerializer())


class FederalSerializer(serializers.Serializer):
    period = serializers.CharField(source="code", allow_null=True)
    cumulative = serializers.BooleanField()
    indicators = FederalIndicatorSerializer(many=True)
    regions = RegionSerializer(many=True)
    total = serializers.DictField(child=TotalSerializer())
    missing = serializers.ListField(child=serializers.CharField(), help_text="Регионы без расчёта за период")


class FederalRegions(APIView):
    """Every region's indicators for a period (region rows of their latest computation) and the
    federal total: counts summed, shares recomputed from the sums."""

    permission_classes = [HasRole.of(Role.FEDERAL)]

    @extend_schema(parameters=[FederalQuerySerializer], responses={200: FederalSerializer})
    def get(self, request):
        query = FederalQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        code = (query.validated_data.get("period") or "").strip().upper()
        table = federal.federal_table(request.user, code, cumulative=query.validated_data["cumulative"])
        if code and code not in table["codes"]:
            raise Http404
        return Response(FederalSerializer(table).data)
