"""Instrument workflow: every allowed and refused transition, publication checks, frozen items,
new versions."""

from decimal import Decimal

import pytest

from cnppm.models import AuditEvent
from cnppm.services import DomainError
from diagnostics import workflow
from diagnostics.choices import InstrumentStatus, ItemType
from diagnostics.models import Instrument, Item
from diagnostics.services import authoring
from tests.diagnostics.factories import AttemptFactory, make_instrument

pytestmark = pytest.mark.django_db
S = InstrumentStatus
ALL_PAIRS = [(a, b) for a in S.values for b in S.values if a != b]


def test_the_map():
    assert {
        S.DRAFT: {S.PUBLISHED, S.ARCHIVED},
        S.PUBLISHED: {S.ARCHIVED},
        S.ARCHIVED: set(),
    } == workflow.TRANSITIONS
    assert workflow.allowed_targets(S.DRAFT) == [S.PUBLISHED, S.ARCHIVED]
    assert workflow.allowed_targets(S.ARCHIVED) == []


@pytest.mark.parametrize("current, target", ALL_PAIRS)
def test_every_transition(world, current, target):
    instrument = make_instrument(status=current, variants=4, types=(ItemType.SINGLE, ItemType.EXTENDED))
    operator = world["operator"].user
    if workflow.is_allowed(current, target):
        authoring.instrument_transition(actor=operator, instrument=instrument, to_status=target)
        instrument.refresh_from_db()
        assert instrument.status == target
        event = AuditEvent.objects.get(verb="instrument_status", object_id=str(instrument.pk))
        assert (event.old_value, event.new_value, event.actor) == (current, target, operator)
    else:
        with pytest.raises(DomainError) as exc:
            authoring.instrument_transition(actor=operator, instrument=instrument, to_status=target)
        assert exc.value.message.startswith(f"Работу нельзя перевести из статуса «{S(current).label}»")
        instrument.refresh_from_db()
        assert instrument.status == current


def test_only_the_operator_moves_instruments(world):
    instrument = make_instrument(status=S.DRAFT)
    with pytest.raises(DomainError, match="только оператору"):
        authoring.instrument_transition(
            actor=world["regional_methodist"].user, instrument=instrument, to_status=S.PUBLISHED
        )


def test_publishing_needs_four_variants_with_valid_items(world):
    operator = world["operator"].user
    instrument = make_instrument(status=S.DRAFT, variants=3, types=(ItemType.SINGLE,))
    Item.objects.filter(variant__instrument=instrument, variant__number=2).delete()
    broken = Item.objects.get(variant__instrument=instrument, variant__number=3)
    broken.key = {"correct": ["z"]}
    broken.save()
    with pytest.raises(DomainError) as exc:
        authoring.instrument_transition(actor=operator, instrument=instrument, to_status=S.PUBLISHED)
    message = exc.value.message
    assert "Нужно не меньше 4 параллельных вариантов (сейчас 3)." in message
    assert "В варианте 2 нет заданий." in message
    assert "Вариант 3, задание 1: В ключе указаны несуществующие варианты: z." in message
    assert Instrument.objects.get(pk=instrument.pk).status == S.DRAFT


def test_items_freeze_once_there_are_attempts(world):
    operator = world["operator"].user
    instrument = make_instrument(status=S.PUBLISHED, types=(ItemType.SINGLE, ItemType.SHORT))
    item = Item.objects.filter(variant__instrument=instrument).first()
    # Published without attempts: a correction is still possible.
    authoring.item_save(actor=operator, variant=item.variant, item=item, data={"topic": "Новая тема"})
    AttemptFactory(person=world["teacher"], instrument=instrument)
    frozen = "По работе уже есть попытки участников: задания изменить нельзя. Создайте новую версию."
    with pytest.raises(DomainError, match=frozen):
        authoring.item_save(actor=operator, variant=item.variant, item=item, data={"topic": "Ещё тема"})
    with pytest.raises(DomainError, match=frozen):
        authoring.item_delete(actor=operator, item=item)
    with pytest.raises(DomainError, match=frozen):
        authoring.variant_add(actor=operator, instrument=instrument)
    with pytest.raises(DomainError, match="нельзя менять проходной балл"):
        authoring.instrument_update(actor=operator, instrument=instrument, data={"pass_mark": Decimal("70")})
    # What participants don't depend on can still change.
    authoring.instrument_update(actor=operator, instrument=instrument, data={"title": "Новое название"})
    assert Item.objects.get(pk=item.pk).topic == "Новая тема"


def test_published_instrument_must_stay_ready(world):
    operator = world["operator"].user
    instrument = make_instrument(status=S.PUBLISHED, types=(ItemType.SINGLE,))
    only = Item.objects.get(variant__instrument=instrument, variant__number=1)
    pk = only.pk
    with pytest.raises(DomainError, match="В варианте 1 нет заданий"):
        authoring.item_delete(actor=operator, item=only)
    assert Item.objects.filter(pk=pk).exists()


def test_new_version_copies_everything_into_a_draft(world):
    operator = world["operator"].user
    source = make_instrument(status=S.PUBLISHED, variants=4, code="math-entry")
    AttemptFactory(person=world["teacher"], instrument=source)
    copy = authoring.instrument_new_version(actor=operator, instrument=source)
    assert (copy.status, copy.version, copy.previous_version, copy.code) == (
        S.DRAFT,
        2,
        source,
        "math-entry-v2",
    )
    assert set(copy.blocks.all()) == set(source.blocks.all())

    def items(instrument):
        return list(
            Item.objects.filter(variant__instrument=instrument)
            .order_by("variant__number", "number")
            .values_list("variant__number", "number", "type", "stem", "options", "key", "block_id", "points")
        )

    assert items(copy) == items(source) and len(items(copy)) == 4 * 7
    # The copy is editable, the source stays frozen and keeps its items.
    item = Item.objects.filter(variant__instrument=copy).first()
    authoring.item_save(
        actor=operator, variant=item.variant, item=item, data={"stem": "Исправленная формулировка"}
    )
    assert not Item.objects.filter(variant__instrument=source, stem="Исправленная формулировка").exists()
    with pytest.raises(DomainError, match="уже есть следующая версия"):
        authoring.instrument_new_version(actor=operator, instrument=source)
    third = authoring.instrument_new_version(actor=operator, instrument=copy)
    assert (third.version, third.code) == (3, "math-entry-v3")
