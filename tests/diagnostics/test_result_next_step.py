"""The result page leads to the next step: «Составить ИОМ» after an entry diagnostic while the
participant has no route for the year, «Открыть ИОМ» once there is one."""

import pytest
from django.urls import reverse

from routes.models import Route
from tests.helpers import login
from tests.routes.factories import make_attempt, make_entry_attempt, teacher_blocks

pytestmark = pytest.mark.django_db


def test_result_page_offers_to_make_then_to_open_the_route(client, world):
    teacher = world["teacher"]
    blocks = teacher_blocks()
    attempt = make_entry_attempt(teacher, {blocks[0]: 45, blocks[1]: 70})
    url = reverse("diagnostics:attempt_result", args=[attempt.pk])
    login(client, teacher)
    html = client.get(url).content.decode()
    assert f'<form method="post" action="{reverse("routes:create")}"' in html
    assert ">Составить ИОМ</button>" in html and "Открыть ИОМ" not in html

    client.post(reverse("routes:create"))
    route = Route.objects.get(teacher=teacher)
    html = client.get(url).content.decode()
    assert f'href="{reverse("routes:card", args=[route.pk])}">Открыть ИОМ</a>' in html
    assert "Составить ИОМ" not in html

    # Someone else reading the result is not offered the participant's route actions.
    login(client, world["school_head"])
    html = client.get(url).content.decode()
    assert 'id="route-action"' not in html


def test_final_diagnostic_without_route_offers_no_creation(client, world):
    teacher = world["teacher"]
    attempt = make_attempt(teacher, {teacher_blocks()[0]: 60}, kind="final")
    login(client, teacher)
    html = client.get(reverse("diagnostics:attempt_result", args=[attempt.pk])).content.decode()
    assert 'id="route-action"' not in html
