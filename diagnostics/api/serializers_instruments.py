"""Serializers of instruments for the API: never the answer key (Item.key), whoever asks."""

from __future__ import annotations

from rest_framework import serializers

from ..models import CompetenceBlock, Instrument, Item, Variant


class BlockSerializer(serializers.ModelSerializer):
    class Meta:
        model = CompetenceBlock
        fields = ["id", "code", "name", "audience", "is_scored"]


class InstrumentSerializer(serializers.ModelSerializer):
    subject = serializers.CharField(source="subject.name", default=None, read_only=True)
    blocks = BlockSerializer(many=True, read_only=True)

    class Meta:
        model = Instrument
        fields = [
            "id",
            "code",
            "title",
            "audience",
            "subject",
            "kind",
            "status",
            "version",
            "previous_version",
            "time_limit_minutes",
            "pass_mark",
            "threshold_medium",
            "threshold_minimal",
            "opens_at",
            "closes_at",
            "instructions",
            "blocks",
        ]


class ItemPublicSerializer(serializers.ModelSerializer):
    """An item as the operator reviews it through the API: options, no key."""

    block = serializers.CharField(source="block.code", read_only=True)

    class Meta:
        model = Item
        fields = [
            "id",
            "number",
            "type",
            "difficulty",
            "topic",
            "points",
            "block",
            "stem",
            "options",
            "partial_credit",
        ]


class VariantSerializer(serializers.ModelSerializer):
    items = ItemPublicSerializer(many=True, read_only=True)

    class Meta:
        model = Variant
        fields = ["number", "items"]


class InstrumentDetailSerializer(InstrumentSerializer):
    variants = serializers.SerializerMethodField()

    class Meta(InstrumentSerializer.Meta):
        fields = [*InstrumentSerializer.Meta.fields, "variants"]

    def get_variants(self, obj) -> list[dict]:
        if not self.context.get("with_items"):
            return []
        return VariantSerializer(obj.variants.all(), many=True).data


class ResultRowSerializer(serializers.Serializer):
    attempt_id = serializers.IntegerField()
    person_id = serializers.IntegerField()
    full_name = serializers.CharField()
    email = serializers.CharField()
    organization = serializers.CharField()
    municipality = serializers.CharField()
    number = serializers.IntegerField()
    is_external = serializers.BooleanField()
    external_source = serializers.CharField()
    date = serializers.CharField()
    percent = serializers.FloatField(allow_null=True)
    level = serializers.CharField()
    blocks = serializers.DictField(child=serializers.FloatField(), help_text="код блока → процент")


class StatRowSerializer(serializers.Serializer):
    label = serializers.CharField()
    participants = serializers.IntegerField()
    mean = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    median = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    min = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    max = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    levels = serializers.DictField(child=serializers.IntegerField())
    suppressed = serializers.BooleanField(
        help_text="показатели скрыты: группа меньше порога или её дополнение (cnppm.disclosure)"
    )
    suppression_note = serializers.CharField(help_text="почему показатели скрыты; пусто, если не скрыты")


class ItemStatSerializer(serializers.Serializer):
    item_id = serializers.IntegerField()
    variant_number = serializers.IntegerField()
    number = serializers.IntegerField()
    block = serializers.CharField()
    topic = serializers.CharField()
    answered = serializers.IntegerField()
    facility = serializers.DecimalField(max_digits=4, decimal_places=2, allow_null=True)
    discrimination = serializers.DecimalField(max_digits=4, decimal_places=2, allow_null=True)
    flag = serializers.CharField()


class StatisticsSerializer(serializers.Serializer):
    overall = StatRowSerializer()
    blocks = StatRowSerializer(many=True)
    groups = serializers.DictField(child=StatRowSerializer(many=True))
    items = ItemStatSerializer(many=True)
    external = serializers.IntegerField()
