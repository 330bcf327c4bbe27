"""Recommendations from the catalogue and the uncovered-deficit flag (single and bulk)."""

import re
from datetime import date, timedelta

from django.urls import reverse

from routes.models import Route
from routes.selectors import recommendations, routes_with_flags, uncovered_deficits
from routes.services.routes import route_activity_add_from_catalogue, route_activity_add_manual
from tests.cnppm.factories import SubjectFactory, make_person
from tests.helpers import assert_same_queries, count_queries, login
from tests.routes.factories import ActivityFactory, make_route, teacher_blocks

TODAY = date.today()


def test_recommendations_per_deficit_ordered_by_fit(world):
    subject, ped, phys = (
        teacher_blocks()[0],
        teacher_blocks()[1],
        SubjectFactory(code="physics", name="Физика"),
    )
    chem = SubjectFactory(code="chemistry", name="Химия")
    world["teacher"].subjects.set([phys])
    ict = teacher_blocks()[4]
    route = make_route(world["teacher"], results={subject: 40, ped: 70, ict: 95})
    generic = ActivityFactory(title="Вебинар общий", kind="webinar", competences=[subject])
    physics = ActivityFactory(
        title="ДПП ПК физика", kind="qualification", competences=[subject], subjects=[phys]
    )
    both = ActivityFactory(
        title="Стажировка: предмет и методика", kind="internship", competences=[subject, ped]
    )
    ActivityFactory(title="Курс химии", competences=[subject], subjects=[chem])  # another subject
    ActivityFactory(
        title="Прошедший курс",
        competences=[subject],
        starts_on=TODAY - timedelta(60),
        ends_on=TODAY - timedelta(1),
    )
    ActivityFactory(title="Скрытый курс", competences=[subject], is_active=False)
    ActivityFactory(
        title="Семинар чужого района", level="municipal", municipality=world["m2"], competences=[subject]
    )
    ActivityFactory(title="Только ИКТ", competences=[ict])  # no deficit there
    groups = recommendations(route)
    assert [g["name"] for g in groups] == ["Предметные", "Методические"]
    titles = [a["activity"].title for a in groups[0]["activities"]]
    # physics: subject 3 + kind 3 = 6; internship: kind 3 + another deficit 2 = 5; webinar: 0
    assert titles == ["ДПП ПК физика", "Стажировка: предмет и методика", "Вебинар общий"]
    assert groups[0]["activities"][0]["reasons"] == ["ваш предмет", "подходит при высокий дефиците"]
    assert [a["activity"].title for a in groups[1]["activities"]] == ["Стажировка: предмет и методика"]
    # a chosen activity is not proposed again, and covers both deficits
    route_activity_add_from_catalogue(actor=world["teacher"].user, route=route, activity=both)
    groups = recommendations(route)
    assert [a["activity"].title for a in groups[0]["activities"]] == ["ДПП ПК физика", "Вебинар общий"]
    assert groups[0]["covered"] and groups[1]["covered"]
    assert generic.pk and physics.pk


def test_uncovered_single_and_bulk_agree(world):
    blocks = teacher_blocks()
    route = make_route(world["teacher"], results={blocks[0]: 40, blocks[1]: 70, blocks[2]: 30, blocks[3]: 90})
    assert [u["name"] for u in uncovered_deficits(route)] == [
        "Предметные",
        "Методические",
        "Психолого-педагогические",
    ]
    route_activity_add_manual(
        actor=world["teacher"].user,
        route=route,
        title="Самообразование: психология подростка",
        competences=[blocks[2]],
        level="institutional",
        organizer="МБОУ СОШ",
        starts_on=None,
        ends_on=None,
        result_form="эссе",
    )
    assert [u["name"] for u in uncovered_deficits(route)] == ["Предметные", "Методические"]
    other = make_route(world["other_teacher"], results={blocks[0]: 90})
    flags = dict(routes_with_flags(Route.objects.all()).values_list("pk", "uncovered_count"))
    assert flags == {route.pk: 2, other.pk: 0}


def test_bulk_flags_query_count_is_constant(world):
    blocks = teacher_blocks()
    make_route(world["teacher"])
    small = count_queries(lambda: list(routes_with_flags(Route.objects.all())))
    for i in range(4):
        make_route(
            make_person("teacher", organization=world["o1"], username=f"x{i}"), results={blocks[i]: 50}
        )
    large = count_queries(lambda: list(routes_with_flags(Route.objects.all())))
    assert_same_queries(small, large)


def test_flag_shown_to_teacher_and_curator(world, client):
    blocks = teacher_blocks()
    route = make_route(world["teacher"], results={blocks[0]: 40, blocks[1]: 90})
    for role in ("teacher", "curator"):
        login(client, world[role])
        html = client.get(reverse("routes:card", args=[route.pk])).content.decode()
        assert "Маршрут не покрывает дефициты:" in html and "Предметные (высокий, 40,0 %)" in html
        html = client.get(reverse("routes:list")).content.decode()
        assert "⚠ 1" in html


def test_pick_from_recommendations_page(world, client):
    blocks = teacher_blocks()
    route = make_route(world["teacher"], results={blocks[0]: 40})
    activity = ActivityFactory(title="ДПП ПК «Решение задач повышенной сложности»", competences=[blocks[0]])
    login(client, world["teacher"])
    html = client.get(reverse("routes:recommendations", args=[route.pk])).content.decode()
    assert (
        "Предметные: высокий дефицит (40,0 %)" in html
        and "ДПП ПК «Решение задач повышенной сложности»" in html
    )
    r = client.post(
        reverse("routes:recommendations", args=[route.pk]), {"activity": activity.pk}, follow=True
    )
    html = r.content.decode()
    assert "добавлено в маршрут" in html and "Все дефициты покрыты мероприятиями маршрута." in html
    r = client.post(
        reverse("routes:recommendations", args=[route.pk]), {"activity": activity.pk}, follow=True
    )
    assert "Это мероприятие уже есть в маршруте." in r.content.decode()
    assert route.activities.count() == 1
    login(client, world["curator"])
    assert (
        client.post(reverse("routes:recommendations", args=[route.pk]), {"activity": activity.pk}).status_code
        == 404
    )


def test_choosing_returns_to_the_competence_chosen_for(world, client):
    blocks = teacher_blocks()
    route = make_route(world["teacher"], results={blocks[0]: 40, blocks[1]: 45})
    activity = ActivityFactory(title="Практикум по ИКТ", competences=[blocks[1]])
    login(client, world["teacher"])
    url = reverse("routes:recommendations", args=[route.pk])
    html = client.get(url).content.decode()
    block = re.search(
        rf'name="activity" value="{activity.pk}"><input type="hidden" name="block" value="([^"]+)"', html
    ).group(1)
    assert f'id="g-{block}"' in html
    r = client.post(url, {"activity": activity.pk, "block": block})
    assert r.status_code == 302 and r["Location"] == f"{url}#g-{block}"
    # A forged block is not echoed into the address.
    other = ActivityFactory(title="Другое", competences=[blocks[0]])
    r = client.post(url, {"activity": other.pk, "block": '"><script>'})
    assert r["Location"] == url
