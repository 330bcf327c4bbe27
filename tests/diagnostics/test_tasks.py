"""The periodic task that closes abandoned attempts past their deadline."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone

from diagnostics.choices import AttemptStatus, FinishReason, ItemType
from diagnostics.models import Attempt, Item
from diagnostics.services import attempts as svc
from diagnostics.tasks import close_expired_attempts
from tests.cnppm.factories import make_person
from tests.diagnostics.factories import make_instrument

pytestmark = pytest.mark.django_db


def test_beat_schedule_calls_the_task():
    entry = settings.CELERY_BEAT_SCHEDULE["close-expired-attempts"]
    assert entry["task"] == "diagnostics.tasks.close_expired_attempts" == close_expired_attempts.name


def test_task_closes_only_expired_attempts_with_saved_answers():
    instrument = make_instrument(types=(ItemType.SINGLE, ItemType.SHORT), variants=1)
    abandoned, active = make_person(), make_person()
    a1 = svc.attempt_start(actor=abandoned.user, instrument_id=instrument.pk)
    a2 = svc.attempt_start(actor=active.user, instrument_id=instrument.pk)
    single = Item.objects.get(variant=a1.variant, type=ItemType.SINGLE)
    svc.answer_save(actor=abandoned.user, attempt_id=a1.pk, item_id=single.pk, value={"choice": "b"})
    Attempt.objects.filter(pk=a1.pk).update(deadline=timezone.now() - timedelta(minutes=5))

    assert close_expired_attempts.delay().get() == 1
    a1.refresh_from_db()
    a2.refresh_from_db()
    assert a1.status == AttemptStatus.FINAL
    assert a1.finish_reason == FinishReason.TIMEOUT
    assert a1.percent == Decimal("50.00")
    assert a2.status == AttemptStatus.IN_PROGRESS
    assert close_expired_attempts.delay().get() == 0  # running again changes nothing


def test_beat_drops_unconfirmed_item_bank_uploads_with_their_files(world, settings):
    from cnppm.import_jobs import _store
    from diagnostics.models import ItemImportDraft
    from diagnostics.tasks import discard_stale_item_drafts
    from tests.diagnostics.import_helpers import draft_instrument

    entry = settings.CELERY_BEAT_SCHEDULE["discard-stale-item-drafts"]
    assert entry["task"] == discard_stale_item_drafts.name
    instrument = draft_instrument()

    def draft(name, age):
        row = ItemImportDraft.objects.create(
            instrument=instrument,
            actor=world["operator"].user,
            filename=name,
            path=_store(b"x", name),
            fmt="gift",
        )
        ItemImportDraft.objects.filter(pk=row.pk).update(created_at=timezone.now() - age)
        return row

    old, fresh = draft("old.gift", timedelta(days=2)), draft("fresh.gift", timedelta(hours=2))
    assert (settings.PRIVATE_MEDIA_ROOT / old.path).exists()

    assert discard_stale_item_drafts.delay().get() == 1
    assert list(ItemImportDraft.objects.values_list("filename", flat=True)) == ["fresh.gift"]
    assert not (settings.PRIVATE_MEDIA_ROOT / old.path).exists()
    assert (settings.PRIVATE_MEDIA_ROOT / fresh.path).exists()
    assert discard_stale_item_drafts.delay().get() == 0  # nothing left to drop
