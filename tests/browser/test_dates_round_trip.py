"""Every edit form with date and time fields, opened with the dates filled and saved without touching
anything, leaves the database as it was: the browser's date inputs get ISO values they accept (a
value rendered as 01.12.2026 comes back empty and saving erased the date)."""

from datetime import date, datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from diagnostics.choices import InstrumentStatus
from diagnostics.models import Instrument
from routes.models import Activity, Route, RouteActivity
from tests.diagnostics.factories import InstrumentFactory
from tests.routes.factories import ActivityFactory, RouteActivityFactory, make_route, teacher_blocks

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

APPROVAL = {
    "agreed": {
        "position": "директор",
        "organization": "Школа 1",
        "name": "Анна Петрова",
        "date": "01.12.2026",
    },
    "approved": {"position": "ректор", "organization": "ЦНППМ", "name": "Олег Смирнов", "date": "02.12.2026"},
}


def _route_fields(route_id):
    r = Route.objects.get(pk=route_id)
    return (r.approval, r.final_event_starts_on, r.final_event_ends_on, r.educational_tasks)


def _save_untouched(page, url):
    page.goto(url)
    for field in page.locator('input[type="date"], input[type="datetime-local"]').all():
        assert field.input_value(), f"{url}: an empty date input {field.get_attribute('name')}"
    with page.expect_navigation():
        page.get_by_role("button", name="Сохранить", exact=True).click()
    expect(page.locator(".alert-danger")).to_have_count(0)


def test_every_edit_form_keeps_its_dates(page, sign_in, world):
    blocks = teacher_blocks()
    route = make_route(world["teacher"])
    Route.objects.filter(pk=route.pk).update(
        approval=APPROVAL,
        educational_tasks="Освоить формирующее оценивание",
        final_event_starts_on=date(2027, 3, 10),
        final_event_ends_on=date(2027, 3, 12),
    )
    activity = RouteActivityFactory(
        route=route, starts_on=date(2027, 1, 15), ends_on=date(2027, 2, 20), competences=[blocks[0]], order=1
    )
    catalogue = ActivityFactory(
        starts_on=date(2027, 1, 11), ends_on=date(2027, 4, 30), competences=[blocks[0]], audience="учителя"
    )
    world["teacher"].attestation_date = date(2024, 12, 1)
    world["teacher"].birth_date = date(1985, 5, 17)
    world["teacher"].save(update_fields=["attestation_date", "birth_date"])
    moment = timezone.make_aware(datetime(2027, 1, 9, 9, 30))
    instrument = InstrumentFactory(
        status=InstrumentStatus.DRAFT,
        opens_at=moment,
        closes_at=timezone.make_aware(datetime(2027, 2, 1, 18, 0)),
    )
    instrument.blocks.set(blocks[:1])

    before = {
        "route": _route_fields(route.pk),
        "activity": RouteActivity.objects.filter(pk=activity.pk).values("starts_on", "ends_on").get(),
        "catalogue": Activity.objects.filter(pk=catalogue.pk).values("starts_on", "ends_on").get(),
        "profile": (world["teacher"].attestation_date, world["teacher"].birth_date),
        "instrument": Instrument.objects.filter(pk=instrument.pk).values("opens_at", "closes_at").get(),
    }

    sign_in(world["teacher"])
    _save_untouched(page, f"/routes/{route.pk}/edit/")
    _save_untouched(page, f"/routes/{route.pk}/activities/{activity.pk}/edit/")
    _save_untouched(page, "/cabinet/profile/")
    page.context.clear_cookies()
    sign_in(world["operator"])
    _save_untouched(page, f"/routes/catalogue/{catalogue.pk}/edit/")
    _save_untouched(page, f"/diagnostics/authoring/instruments/{instrument.pk}/edit/")

    world["teacher"].refresh_from_db()
    after = {
        "route": _route_fields(route.pk),
        "activity": RouteActivity.objects.filter(pk=activity.pk).values("starts_on", "ends_on").get(),
        "catalogue": Activity.objects.filter(pk=catalogue.pk).values("starts_on", "ends_on").get(),
        "profile": (world["teacher"].attestation_date, world["teacher"].birth_date),
        "instrument": Instrument.objects.filter(pk=instrument.pk).values("opens_at", "closes_at").get(),
    }
    assert after == before
    assert after["route"][0]["agreed"]["date"] == "01.12.2026"
