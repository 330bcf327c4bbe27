"""Serializers of the report API: a run as the list prints it, and a request."""

from __future__ import annotations

from django.urls import reverse
from rest_framework import serializers

from ..choices import ReportFormat, ReportKind
from ..models import ReportRun


class ReportRunSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    period = serializers.CharField(source="period.code", read_only=True)
    compare_with = serializers.CharField(source="compare_with.code", read_only=True, default=None)
    municipality = serializers.CharField(source="municipality.code", read_only=True, default=None)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ReportRun
        fields = [
            "id",
            "kind",
            "kind_display",
            "format",
            "audience",
            "period",
            "compare_with",
            "municipality",
            "status",
            "status_display",
            "error",
            "created_at",
            "started_at",
            "finished_at",
            "download_url",
        ]

    def get_download_url(self, run) -> str | None:
        if run.status != "done" or not run.file:
            return None
        return reverse("monitoring-report-download", args=[run.pk])


class ReportRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ReportKind.choices)
    format = serializers.ChoiceField(choices=ReportFormat.choices)
    period = serializers.CharField(help_text="Код периода: 2024-Q2, 2024-H1, 2024, 2024-W1")
    municipality = serializers.CharField(
        required=False, allow_blank=True, help_text="Код муниципалитета (для муниципального письма)"
    )
    compare_with = serializers.CharField(
        required=False, allow_blank=True, help_text="Код периода для сравнения (для сравнения периодов)"
    )
