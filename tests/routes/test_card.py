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


def test_card_page_follows_the_template_in_order(world, client):
    from django.urls import reverse

    from cnppm.models import PersonalDataAccess
    from routes.services.routes import route_update
    from tests.helpers import login

    blocks = teacher_blocks()
    route = make_route(world["teacher"], results={blocks[0]: 45, blocks[1]: 70})
    route_update(
        actor=world["teacher"].user,
        route=route,
        educational_tasks="Задача первая\nЗадача вторая",
        final_event_title="Мастер-класс для МО",
        final_event_level="institutional",
        final_event_starts_on=None,
        final_event_ends_on=None,
        approval={
            "agreed": {
                "position": "директор",
                "organization": "Школа 1",
                "name": "Иван Петрович Сидоров",
                "date": "01.09.2025",
            }
        },
    )
    login(client, world["school_head"])
    html = client.get(reverse("routes:card", args=[route.pk])).content.decode()
    order = [
        "СОГЛАСОВАНО",
        "УТВЕРЖДАЮ",
        "Карта индивидуального образовательного маршрута педагога",
        "1. Информационная справка о педагоге",
        "2. Результаты входной диагностики профессиональных дефицитов",
        "Приложение 1 к Карте индивидуального образовательного маршрута",
        "1. Сведения о корректировке индивидуального образовательного маршрута",
        "Образовательные задачи",
        "Мероприятия, обеспечивающие повышение уровня профессиональных компетенций",
        "2. Мониторинг реализации мероприятий индивидуального образовательного маршрута",
        "3. Заключительное публичное мероприятие",
        "Приложение 2 к Карте индивидуального образовательного маршрута",
        "1. Результаты итоговой диагностики профессиональных компетенций",
        "2. Выводы",
        "С выводами ознакомлен",
    ]
    positions = [html.find(text) for text in order]
    assert -1 not in positions, [t for t, p in zip(order, positions, strict=True) if p == -1]
    assert positions == sorted(positions)
    assert (
        "Иван Петрович Сидоров" in html and "<li>Задача вторая</li>" in html and "Мастер-класс для МО" in html
    )
    assert PersonalDataAccess.objects.filter(
        object_type="route", object_id=str(route.pk), action="view"
    ).exists()


def test_route_create_refusals(world):
    import pytest

    from cnppm.services import DomainError
    from routes.services.routes import route_create

    with pytest.raises(DomainError, match="по результатам входной диагностики"):
        route_create(actor=world["teacher"].user, teacher=world["teacher"], academic_year=2025)
    make_route(world["teacher"])
    with pytest.raises(DomainError, match="уже создан"):
        route_create(actor=world["teacher"].user, teacher=world["teacher"], academic_year=2025)
    with pytest.raises(DomainError, match="сам педагог или его куратор"):
        route_create(actor=world["tutor"].user, teacher=world["teacher"], academic_year=2026)
    assert (
        route_create(actor=world["curator"].user, teacher=world["teacher"], academic_year=2026).status
        == "draft"
    )


def test_cabinet_panel(world, client):
    from django.urls import reverse

    from tests.helpers import login
    from tests.routes.factories import make_entry_attempt

    login(client, world["teacher"])
    assert "ИОМ составляется после входной диагностики." in client.get(reverse("cabinet")).content.decode()
    make_entry_attempt(world["teacher"], {teacher_blocks()[0]: 30})
    assert "Составить ИОМ по результатам диагностики" in client.get(reverse("cabinet")).content.decode()
    client.post(reverse("routes:create"))
    html = client.get(reverse("cabinet")).content.decode()
    assert "ИОМ на 20" in html and "черновик" in html and "Дефицитов без мероприятий: 1." in html
    login(client, world["curator"])
    assert "ИОМ на экспертизе</a>: 0." in client.get(reverse("cabinet")).content.decode()


def test_card_page_offers_the_xlsx_beside_the_pdf(world, client):
    from django.urls import reverse

    from tests.helpers import login

    route = make_route(world["teacher"])
    login(client, world["curator"])
    html = client.get(reverse("routes:card", args=[route.pk])).content.decode()
    assert reverse("routes:card_xlsx", args=[route.pk]) in html
    response = client.get(reverse("routes:card_xlsx", args=[route.pk]))
    assert response.status_code == 200 and response.content[:2] == b"PK"


def test_final_event_is_planned_until_its_last_day_has_passed(world):
    import datetime

    from django.utils import timezone

    from routes.selectors import card_context

    route = make_route(world["teacher"])
    today = timezone.localdate()
    route.final_event_title = "Открытый урок"
    route.final_event_starts_on = today + datetime.timedelta(days=30)
    route.save()
    assert card_context(route)["final_event"]["status_label"] == "запланировано"
    route.final_event_starts_on = route.final_event_ends_on = today - datetime.timedelta(days=1)
    route.save()
    assert card_context(route)["final_event"]["status_label"] == "не выполнено"
    route.final_event_done = True
    route.save()
    assert card_context(route)["final_event"]["status_label"] == "выполнено"
