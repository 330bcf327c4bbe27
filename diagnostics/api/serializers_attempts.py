"""Serializers of taking and results. Keys and rubrics of items are never serialized for the
participant; scores appear only when the result is final; the expert's view has no person fields."""

from __future__ import annotations

from rest_framework import serializers

from cnppm.api.fields import IdField

from ..choices import RECOMMENDATIONS, AttemptStatus, ItemType
from ..models import Answer, Attempt, BlockResult, Item
from ..scoring import shown_percent
from ..selectors.attempts import seconds_left
from ..services.attempts import shuffled


class AttemptSerializer(serializers.ModelSerializer):
    instrument_title = serializers.CharField(source="instrument.title", read_only=True)
    variant_number = serializers.IntegerField(source="variant.number", read_only=True, allow_null=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    seconds_left = serializers.SerializerMethodField()
    percent = serializers.SerializerMethodField()
    level = serializers.SerializerMethodField()

    class Meta:
        model = Attempt
        fields = [
            "id",
            "instrument",
            "instrument_title",
            "variant_number",
            "number",
            "status",
            "status_display",
            "started_at",
            "deadline",
            "finished_at",
            "finish_reason",
            "seconds_left",
            "percent",
            "level",
        ]
        read_only_fields = fields

    def get_seconds_left(self, obj) -> int:
        return seconds_left(obj) if obj.status == AttemptStatus.IN_PROGRESS else 0

    def get_percent(self, obj) -> str | None:
        # Rounded once from the stored value, half up, to the decimal the pages print.
        return (
            str(shown_percent(obj.percent))
            if obj.status == AttemptStatus.FINAL and obj.percent is not None
            else None
        )

    def get_level(self, obj) -> str | None:
        return obj.level if obj.status == AttemptStatus.FINAL else None


class ItemPublicSerializer(serializers.ModelSerializer):
    """What the participant sees of an item: no key, no rubric. Ordering elements are shuffled per
    attempt."""

    block = serializers.CharField(source="block.name")
    options = serializers.SerializerMethodField()

    class Meta:
        model = Item
        fields = ["id", "number", "type", "block", "stem", "options", "points"]

    def get_options(self, obj) -> dict:
        options = dict(obj.options or {})
        attempt = self.context.get("attempt")
        if obj.type == ItemType.ORDERING and attempt is not None:
            options["elements"] = shuffled(options.get("elements", []), seed=attempt.pk * 1000 + obj.pk)
        return options


class AttemptDetailSerializer(AttemptSerializer):
    """The participant's attempt in progress with its items and saved answers."""

    items = serializers.SerializerMethodField()
    answers = serializers.SerializerMethodField()

    class Meta(AttemptSerializer.Meta):
        fields = AttemptSerializer.Meta.fields + ["items", "answers"]
        read_only_fields = fields

    def get_items(self, obj) -> list[dict]:
        items = self.context.get("items") or []
        return ItemPublicSerializer(items, many=True, context={"attempt": obj}).data

    def get_answers(self, obj) -> dict:
        return {str(k): v for k, v in (self.context.get("answers") or {}).items()}


class AttemptStartSerializer(serializers.Serializer):
    instrument = IdField(help_text="id диагностической работы")


class AnswerInputSerializer(serializers.Serializer):
    value = serializers.JSONField(allow_null=True, help_text="ответ в формате diagnostics.item_formats")


class AnswerSavedSerializer(serializers.Serializer):
    item = serializers.IntegerField()
    saved_at = serializers.DateTimeField()


class BlockResultSerializer(serializers.ModelSerializer):
    percent = serializers.SerializerMethodField()
    block = serializers.CharField(source="block.name")
    block_code = serializers.CharField(source="block.code")
    level_display = serializers.CharField(source="get_level_display")
    recommendation = serializers.SerializerMethodField()

    class Meta:
        model = BlockResult
        fields = [
            "block",
            "block_code",
            "percent",
            "level",
            "level_display",
            "missed_topics",
            "recommendation",
        ]

    def get_percent(self, obj) -> str:
        return str(shown_percent(obj.percent))

    def get_recommendation(self, obj) -> str:
        return RECOMMENDATIONS.get(obj.level, "")


class DynamicsSerializer(serializers.Serializer):
    block = serializers.CharField(source="block.name")
    entry = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    final = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    delta = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)


class ResultSerializer(AttemptSerializer):
    level_display = serializers.CharField(source="get_level_display")
    recommendation = serializers.SerializerMethodField()
    passed = serializers.SerializerMethodField()
    pass_mark = serializers.DecimalField(source="instrument.pass_mark", max_digits=5, decimal_places=2)
    blocks = BlockResultSerializer(source="block_results", many=True)
    dynamics = serializers.SerializerMethodField()

    class Meta(AttemptSerializer.Meta):
        fields = AttemptSerializer.Meta.fields + [
            "level_display",
            "recommendation",
            "pass_mark",
            "passed",
            "blocks",
            "dynamics",
        ]
        read_only_fields = fields

    def get_recommendation(self, obj) -> str:
        return RECOMMENDATIONS.get(obj.level, "")

    def get_passed(self, obj) -> bool:
        return obj.percent is not None and obj.percent >= obj.instrument.pass_mark

    def get_dynamics(self, obj) -> list[dict]:
        return DynamicsSerializer(self.context.get("dynamics") or [], many=True).data


class ExpertAnswerSerializer(serializers.ModelSerializer):
    """An answer as the expert sees it: the item and the text, never the person or organization."""

    instrument = serializers.CharField(source="item.variant.instrument.title")
    variant_number = serializers.IntegerField(source="item.variant.number")
    item_number = serializers.IntegerField(source="item.number")
    block = serializers.CharField(source="item.block.name")
    stem = serializers.CharField(source="item.stem")
    rubric = serializers.CharField(source="item.rubric")
    max_points = serializers.DecimalField(source="item.points", max_digits=6, decimal_places=2)
    text = serializers.SerializerMethodField()

    class Meta:
        model = Answer
        fields = [
            "id",
            "instrument",
            "variant_number",
            "item_number",
            "block",
            "stem",
            "rubric",
            "max_points",
            "text",
            "saved_at",
        ]

    def get_text(self, obj) -> str:
        return (obj.value or {}).get("text", "") if isinstance(obj.value, dict) else ""


class CheckInputSerializer(serializers.Serializer):
    points = serializers.CharField(help_text="балл от 0 до максимума задания, например 1,5")
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class CheckedSerializer(serializers.ModelSerializer):
    attempt_status = serializers.CharField(source="attempt.status")

    class Meta:
        model = Answer
        fields = ["id", "points", "expert_comment", "checked_at", "attempt_status"]


class RetakeInputSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="причина повторной попытки")


class RetakeGrantSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    person = serializers.IntegerField(source="person_id")
    instrument = serializers.IntegerField(source="instrument_id")
    reason = serializers.CharField()
    granted_at = serializers.DateTimeField()
