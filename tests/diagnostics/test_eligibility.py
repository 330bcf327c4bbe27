"""Who is offered which diagnostic: staff roles get no teachers' diagnostics, managers get the
managers' ones, and a final diagnostic waits until the participant's ИОМ is being carried out."""

import pytest
from django.urls import reverse

from cnppm.services import DomainError
from diagnostics.choices import Audience, InstrumentKind
from diagnostics.services.attempts import attempt_start
from routes.choices import RouteStatus
from tests.diagnostics.factories import make_instrument
from tests.helpers import login
from tests.routes.factories import make_route

pytestmark = pytest.mark.django_db

STAFF = (
    "curator",
    "tutor",
    "expert",
    "regional_methodist",
    "operator",
    "ministry",
    "municipal_methodist",
    "federal",
)


@pytest.fixture
def instruments(world):
    return {
        "entry": make_instrument(title="Входная для педагогов", variants=1),
        "final": make_instrument(title="Итоговая для педагогов", variants=1, kind=InstrumentKind.FINAL),
        "managers": make_instrument(title="Входная для управленцев", variants=1, audience=Audience.MANAGERS),
    }


def listed(client, person) -> str:
    login(client, person)
    return client.get(reverse("diagnostics:my_diagnostics")).content.decode()


def test_staff_roles_are_offered_no_teachers_diagnostics(client, world, instruments):
    for role in STAFF:
        html = listed(client, world[role])
        assert "Входная для педагогов" not in html and "Входная для управленцев" not in html, role
        response = client.get(reverse("diagnostics:instrument_start", args=[instruments["entry"].pk]))
        assert response.status_code == 404, role
        with pytest.raises(DomainError, match="предназначена для педагогических работников"):
            attempt_start(actor=world[role].user, instrument_id=instruments["entry"].pk)


def test_teachers_mentors_and_managers_get_their_audience(client, world, instruments):
    for role in ("teacher", "mentor"):
        html = listed(client, world[role])
        assert "Входная для педагогов" in html and "Входная для управленцев" not in html, role
    head = world["school_head"]
    html = listed(client, head)
    assert "Входная для управленцев" in html and "Входная для педагогов" not in html


def test_final_diagnostic_waits_for_a_route_in_progress(client, world, instruments):
    teacher = world["teacher"]
    html = listed(client, teacher)
    assert "Итоговая для педагогов" not in html
    final = instruments["final"]
    assert client.get(reverse("diagnostics:instrument_start", args=[final.pk])).status_code == 404
    with pytest.raises(DomainError, match="ИОМ реализуется или завершается"):
        attempt_start(actor=teacher.user, instrument_id=final.pk)

    route = make_route(teacher, status=RouteStatus.APPROVED)
    assert "Итоговая для педагогов" not in listed(client, teacher)
    for status in (RouteStatus.IN_PROGRESS, RouteStatus.COMPLETING):
        route.status = status
        route.save(update_fields=["status"])
        assert "Итоговая для педагогов" in listed(client, teacher), status
    assert client.get(reverse("diagnostics:instrument_start", args=[final.pk])).status_code == 200
    assert attempt_start(actor=teacher.user, instrument_id=final.pk).instrument == final
