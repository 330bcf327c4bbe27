from decimal import Decimal

from routes.selectors import card_context, card_queryset
from tests.routes.factories import ActivityFactory, make_route, teacher_blocks


def test_card_context_snapshots_profile_and_diagnostics(world):
    teacher = world["teacher"]
    teacher.position = "учитель физики"
    teacher.courses_last_3_years = "ДПП ПК «Цифровая школа», 36 ч, 2024"
    teacher.save()
    blocks = teacher_blocks()
    route = make_route(teacher, results={blocks[0]: 45, blocks[1]: 70, blocks[4]: 95})
    # a later profile change does not reach the card
    teacher.position = "заместитель директора"
    teacher.save()
    ctx = card_context(card_queryset().get(pk=route.pk))
    rows = {r["label"]: r["value"] for r in ctx["section1"]}
    assert list(rows)[0] == "Название учебного заведения, регион"
    assert rows["ФИО педагога, занимаемая должность"].endswith("учитель физики")
    assert rows["Год реализации ИОМ (учебный)"] == "2025/2026"
    assert rows["Педагогический стаж"] == "10 лет"
    assert rows["Курсы повышения квалификации (за последние 3 года)"] == "ДПП ПК «Цифровая школа», 36 ч, 2024"
    section2 = ctx["section2"]["rows"]
    assert [r["name"] for r in section2] == ["Предметные", "Методические", "ИКТ-компетентность"]
    assert section2[0]["low"] == Decimal("45.00") and section2[0]["medium"] is None
    assert section2[1]["medium"] == Decimal("70.00")
    assert section2[2]["high"] == Decimal("95.00")
    assert section2[0]["difficulties"] == ["Тема блока «Предметные»"]
    assert [u["name"] for u in ctx["uncovered"]] == ["Предметные", "Методические"]


def test_card_context_activities_and_uncovered(world):
    blocks = teacher_blocks()
    route = make_route(world["teacher"], results={blocks[0]: 45, blocks[1]: 70})
    from routes.services.routes import route_activity_add_from_catalogue

    activity = ActivityFactory(competences=[blocks[0]], title="ДПП ПК «Физика: трудные темы»", hours=72)
    route_activity_add_from_catalogue(actor=world["teacher"].user, route=route, activity=activity)
    ctx = card_context(card_queryset().get(pk=route.pk))
    act = ctx["activities"][0]
    assert act["title"] == "ДПП ПК «Физика: трудные темы»"
    assert act["competences_label"] == "Предметные"
    assert act["level_label"] == "региональный"
    assert act["hours"] == 72
    assert act["result_form"] == "удостоверение о повышении квалификации"
    assert [u["name"] for u in ctx["uncovered"]] == ["Методические"]
