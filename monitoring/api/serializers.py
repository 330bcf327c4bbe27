from rest_framework import serializers

from cnppm import disclosure
from cnppm.api.fields import IdField

from ..models import ComputationRun, IndicatorDefinition, IndicatorPlan, IndicatorSnapshot


class PlanSerializer(serializers.ModelSerializer):
    class Meta:
        model = IndicatorPlan
        fields = ["region", "year", "value", "entered_at"]


class IndicatorSerializer(serializers.ModelSerializer):
    plans = PlanSerializer(many=True, read_only=True)

    class Meta:
        model = IndicatorDefinition
        fields = [
            "code",
            "name",
            "numerator_text",
            "denominator_text",
            "formula_text",
            "unit",
            "order",
            "plans",
        ]


class SnapshotSerializer(serializers.ModelSerializer):
    period = serializers.CharField(source="period.code")
    region = serializers.IntegerField(source="period.region_id", read_only=True)
    indicator = serializers.CharField(source="indicator.code")
    municipality_name = serializers.CharField(source="municipality.name", default=None)
    organization_name = serializers.CharField(source="organization.short_name", default=None)

    class Meta:
        model = IndicatorSnapshot
        fields = [
            "id",
            "period",
            "region",
            "indicator",
            "cumulative",
            "scope_level",
            "municipality",
            "municipality_name",
            "organization",
            "organization_name",
            "numerator",
            "denominator",
            "value",
            "note",
            "inputs",
            "computed_at",
        ]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if self.context.get("aggregate_only"):
            # The ministry: counts by category per municipality stay in the dashboards' suppressed form.
            data["inputs"] = {k: v for k, v in (data["inputs"] or {}).items() if k != "distributions"}
            if instance.pk in self.context.get("hidden_ids", ()):
                data.update(
                    numerator=None,
                    value=None,
                    inputs={},
                    note=(
                        f"Не приводится: в знаменателе менее {disclosure.threshold()} человек, "
                        "или значение можно было бы вычислить по разности."
                    ),
                )
        return data


class RunSerializer(serializers.ModelSerializer):
    period = serializers.CharField(source="period.code", read_only=True)

    class Meta:
        model = ComputationRun
        fields = ["id", "period", "status", "progress", "created_at", "started_at", "finished_at", "error"]


class RunRequestSerializer(serializers.Serializer):
    period = serializers.CharField(help_text="Код периода: 2024, 2024-Q2, 2024-H1, 2024-W1")
    region = IdField(
        required=False,
        help_text="Регион периода; по умолчанию — ваш регион (нужен, только если вы работаете в нескольких)",
    )
