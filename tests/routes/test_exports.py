"""The card as PDF and XLSX: every section of seed 004 Appendix 4 (with Appendices 1 and 2) carries the
route's data; downloads are scoped (404 outside) and logged as exports."""

import io
from datetime import date, datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from cnppm.models import PersonalDataAccess
from routes.choices import ActivityLevel, ActivityOutcome, RouteStatus
from routes.models import Route
from tests.helpers import assert_matrix, login
from tests.routes.factories import (
    CorrectionFactory,
    RouteActivityFactory,
    make_attempt,
    make_route,
    teacher_blocks,
)

CARD_ROLES = {
    "teacher",
    "mentor",
    "curator",
    "tutor",
    "school_head",
    "municipal_methodist",
    "regional_methodist",
    "operator",
}


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def squash(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def card(world):
    teacher = world["teacher"]
    teacher.position = "учитель математики"
    teacher.awards = "Почётная грамота Минпросвещения"
    teacher.save()
    blocks = teacher_blocks()
    route = make_route(teacher, results={blocks[0]: 45, blocks[1]: 70, blocks[2]: 90})
    route.approval = {
        "agreed": {
            "position": "Директор",
            "organization": "Школа 1",
            "name": "Петрова Анна Сергеевна",
            "date": "01.09.2025",
        },
        "approved": {
            "position": "Ректор",
            "organization": "СКИРО ПК и ПРО",
            "name": "Сидоров Олег Павлович",
            "date": "02.09.2025",
        },
    }
    route.educational_tasks = "Освоить методику формирующего оценивания\nРазработать рабочую программу"
    route.final_event_title = "Открытый урок для методического объединения"
    route.final_event_level = ActivityLevel.MUNICIPAL
    route.final_event_starts_on = date(2026, 4, 15)
    route.final_event_done = True
    route.conclusions = "Дефицит предметных компетенций преодолён.\nРекомендовано участие в конкурсе."
    route.conclusions_signed_by_methodist = world["regional_methodist"]
    route.conclusions_signed_by_head = world["school_head"]
    route.conclusions_signed_at = timezone.make_aware(datetime(2026, 5, 20, 10, 30))
    route.conclusions_acknowledged_at = timezone.now()
    route.final_attempt = make_attempt(teacher, {blocks[0]: 85, blocks[1]: 88, blocks[2]: 92}, kind="final")
    route.status = RouteStatus.IN_PROGRESS
    route.save()
    RouteActivityFactory(
        route=route,
        title="ДПП ПК «Формирующее оценивание на уроках математики»",
        competences=[blocks[0]],
        level=ActivityLevel.REGIONAL,
        organizer="СКИРО ПК и ПРО",
        starts_on=date(2025, 10, 1),
        ends_on=date(2025, 10, 20),
        result_form="удостоверение",
        outcome=ActivityOutcome.DONE,
    )
    RouteActivityFactory(
        route=route,
        title="Семинар «Цифровые инструменты учителя»",
        competences=[blocks[1]],
        level=ActivityLevel.MUNICIPAL,
        organizer="ММС Первого района",
        outcome=ActivityOutcome.NOT_DONE,
        not_done_reason="Семинар перенесён организатором",
    )
    CorrectionFactory(
        route=route, reason="Перенос сроков курсов на ноябрь", signed_by=world["regional_methodist"]
    )
    return route


def test_pdf_contains_every_section_with_the_route_data(client, world, card):
    login(client, world["curator"])
    response = client.get(reverse("routes:card_pdf", args=[card.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"] and ".pdf" in response["Content-Disposition"]
    text = squash(pdf_text(response.content))
    teacher = world["teacher"]
    for expected in [
        # Approval block with signature lines
        "СОГЛАСОВАНО",
        "УТВЕРЖДАЮ",
        "Петрова Анна Сергеевна",
        "Сидоров Олег Павлович",
        "наименование должности",
        "подпись",
        "Карта индивидуального образовательного маршрута педагога",
        # Section 1
        "1. Информационная справка о педагоге",
        teacher.full_name,
        "учитель математики",
        "Почётная грамота Минпросвещения",
        "Год реализации ИОМ (учебный)",
        "2025/2026",
        # Section 2
        "2. Результаты входной диагностики профессиональных дефицитов",
        "Предметные",
        "Методические",
        "45,0",  # rounded once, to the decimal the web card prints
        "70,0",
        # Tasks and activities
        "Образовательные задачи",
        "Освоить методику формирующего оценивания",
        "Формирующее оценивание на уроках математики",
        "СКИРО ПК и ПРО",
        "01.10.2025 – 20.10.2025",
        "удостоверение",
        # Monitoring
        "Мониторинг реализации мероприятий",
        "выполнено",
        "Семинар перенесён организатором",
        # Final event
        "3. Заключительное публичное мероприятие",
        "Открытый урок для методического объединения",
        "муниципальный",
        # Appendix 1
        "Приложение 1",
        "Сведения о корректировке",
        "Перенос сроков курсов на ноябрь",
        world["regional_methodist"].short_name,
        # Appendix 2
        "Приложение 2",
        "Итоги прохождения индивидуального образовательного маршрута",
        "Результаты итоговой диагностики",
        "85,0",
        "Дефицит предметных компетенций преодолён.",
        "Региональный методист",
        "Руководитель образовательной организации",
        world["school_head"].short_name,
        "С выводами ознакомлен",
    ]:
        assert expected in text, f"«{expected}» нет в PDF"
    # Layout: approval block first, then section 1, section 2, ..., appendices last.
    order = [
        "СОГЛАСОВАНО",
        "1. Информационная справка",
        "2. Результаты входной диагностики",
        "Приложение 1",
        "1. Сведения о корректировке",
        "Образовательные задачи",
        "2. Мониторинг реализации мероприятий",
        "3. Заключительное публичное мероприятие",
        "Приложение 2",
    ]
    positions = [text.index(s) for s in order]
    assert positions == sorted(positions)
    assert PersonalDataAccess.objects.filter(
        action="export", object_type="route_card", object_id=str(card.pk), actor=world["curator"].user
    ).exists()


def test_pdf_of_a_bare_draft_has_empty_signature_lines(client, world):
    route = make_route(world["teacher"])
    login(client, world["teacher"])
    text = squash(pdf_text(client.get(reverse("routes:card_pdf", args=[route.pk])).content))
    assert "«____» __________ 20__ г." in text
    assert "Мероприятия не выбраны." in text
    assert "Итоговая диагностика не пройдена." in text


def test_xlsx_contents(client, world, card):
    login(client, world["operator"])
    response = client.get(reverse("routes:card_xlsx", args=[card.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["Карта ИОМ", "Приложение 1", "Приложение 2"]
    cells = [list(row) for row in wb["Карта ИОМ"].iter_rows(values_only=True)]
    flat = [c for row in cells for c in row if c not in (None, "")]
    assert "СОГЛАСОВАНО" in flat and "УТВЕРЖДАЮ" in flat and "Петрова Анна Сергеевна" in flat
    section1 = {row[0]: row[1] for row in cells if row[0] and row[1]}
    assert section1["Награды, поощрения"] == "Почётная грамота Минпросвещения"
    assert section1["Год реализации ИОМ (учебный)"] == "2025/2026"
    diag = {
        row[0]: row[2:6]
        for row in cells
        if row[0] in ("Предметные", "Методические", "Психолого-педагогические")
    }
    assert diag["Предметные"] == [45, None, None, 45]
    assert diag["Методические"] == [None, 70, None, 70]
    assert diag["Психолого-педагогические"] == [None, None, 90, 90]
    assert "Семинар «Цифровые инструменты учителя»" not in flat  # the plan is in Appendix 1
    cells = [list(row) for row in wb["Приложение 1"].iter_rows(values_only=True)]
    monitoring = [row for row in cells if row[1] == "Семинар «Цифровые инструменты учителя»" and row[8]]
    assert (
        monitoring
        and monitoring[0][6] == "не выполнено"
        and monitoring[0][7] == "Семинар перенесён организатором"
    )
    assert ["Открытый урок для методического объединения", "муниципальный", "15.04.2026", "выполнено"] in [
        list(row[:4]) for row in cells
    ]
    corrections = [row for row in wb["Приложение 1"].iter_rows(values_only=True) if row[0] == 1]
    assert corrections[0][2] == "Перенос сроков курсов на ноябрь"
    assert corrections[0][4] == world["regional_methodist"].short_name
    final = {row[0]: row for row in wb["Приложение 2"].iter_rows(values_only=True) if row[0]}
    assert final["Предметные"][5] == 85.0
    assert "Дефицит предметных компетенций преодолён." in final
    assert final["Региональный методист"][1] == world["regional_methodist"].short_name
    assert "«20» мая 2026 г." in final


def _headings(text: str, *, skip_appendix_marks: bool = False) -> list[str]:
    """The card's section headings (seed 004, Appendix 4) in the order a text shows them."""
    from routes.selectors import CARD_HEADINGS

    wanted = [h for h in CARD_HEADINGS.values() if not (skip_appendix_marks and h.startswith("Приложение"))]
    found = [(text.find(h), h) for h in wanted]
    assert all(pos >= 0 for pos, _ in found), [h for pos, h in found if pos < 0]
    return [h for _, h in sorted(found)]


def test_web_card_pdf_and_xlsx_number_their_sections_alike(client, world, card):
    """Appendix 4 of seed 004: sections 1–2 in the card, then Appendix 1 with the corrections (1),
    the plan, the monitoring (2) and the final event (3), then Appendix 2 — in all three outputs;
    the conclusions carry the date the regional methodist signed them."""
    from routes.selectors import CARD_HEADINGS

    login(client, world["operator"])
    html = client.get(reverse("routes:card", args=[card.pk])).content.decode()
    pdf = squash(pdf_text(client.get(reverse("routes:card_pdf", args=[card.pk])).content))
    wb = load_workbook(io.BytesIO(client.get(reverse("routes:card_xlsx", args=[card.pk])).content))
    xlsx = "\n".join(
        str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row if c
    )
    expected = list(CARD_HEADINGS.values())
    assert expected[:3] == [
        "1. Информационная справка о педагоге",
        "2. Результаты входной диагностики профессиональных дефицитов",
        "Приложение 1 к Карте индивидуального образовательного маршрута",
    ]
    assert _headings(html) == expected
    assert _headings(xlsx) == expected
    # The PDF prints the appendix mark on three lines (as the seed does); the rest in order.
    pdf_expected = [h for h in expected if not h.startswith("Приложение")]
    assert _headings(pdf, skip_appendix_marks=True) == pdf_expected
    for text in (html, pdf, xlsx):
        assert "«20» мая 2026 г." in text
    assert "3. Образовательные задачи" not in html and "5. Заключительное" not in html


def test_conclusions_date_is_set_by_the_methodist_signature_and_dropped_with_the_text(world):
    from routes.services.routes import route_conclusions_save, route_conclusions_sign

    teacher = world["teacher"]
    blocks = teacher_blocks()
    route = make_route(teacher, results={blocks[0]: 45})
    route.status = RouteStatus.COMPLETING
    route.save()
    make_attempt(teacher, {blocks[0]: 80}, kind="final")
    curator = world["curator"].user
    route_conclusions_save(actor=curator, route=route, conclusions="Дефицит преодолён.")
    route_conclusions_sign(actor=world["school_head"].user, route=route, as_role="school_head")
    route.refresh_from_db()
    assert route.conclusions_signed_at is None
    route_conclusions_sign(actor=world["regional_methodist"].user, route=route, as_role="regional_methodist")
    route.refresh_from_db()
    assert route.conclusions_signed_at is not None
    route_conclusions_save(actor=curator, route=route, conclusions="Дефицит преодолён частично.")
    route.refresh_from_db()
    assert route.conclusions_signed_at is None and route.conclusions_signed_by_methodist_id is None


@pytest.mark.parametrize("name", ["routes:card_pdf", "routes:card_xlsx"])
def test_export_permission_matrix(client, world, name):
    route = make_route(world["teacher"])
    assert_matrix(client, world, reverse(name, args=[route.pk]), CARD_ROLES)


def test_export_of_a_missing_route_is_404(client, world):
    login(client, world["operator"])
    assert client.get(reverse("routes:card_pdf", args=[999999])).status_code == 404


def test_other_municipality_methodist_cannot_export(client, world):
    route = make_route(world["teacher"])
    login(client, world["other_municipal_methodist"])
    assert client.get(reverse("routes:card_pdf", args=[route.pk])).status_code == 404
    assert client.get(reverse("routes:card_xlsx", args=[route.pk])).status_code == 404
    assert not PersonalDataAccess.objects.filter(object_type="route_card").exists()
    assert Route.objects.filter(pk=route.pk).exists()


def test_card_pdf_stays_inside_its_pages_with_many_long_activities(card):
    """Issue 9: the ИОМ card at scale (thirty activities with long titles, organizers and results, an
    unbroken long word) keeps every box inside its pages (cnppm.pdf_layout walks WeasyPrint's layout)."""
    from cnppm.pdf_layout import html_overflows
    from routes.exports import card_html, fetch_card

    blocks = teacher_blocks()
    for n in range(30):
        RouteActivityFactory(
            route=card,
            title=f"ДПП ПК «Проектирование индивидуальных образовательных маршрутов педагогов» {n} "
            + "Сверхдлинноесловобезпробеловкотороенепереносится" * 2,
            competences=[blocks[n % 3]],
            level=ActivityLevel.REGIONAL,
            organizer="Государственное автономное учреждение дополнительного профессионального образования",
            starts_on=date(2025, 10, 1),
            ends_on=date(2025, 10, 20),
            result_form="удостоверение о повышении квалификации установленного образца",
            outcome=ActivityOutcome.DONE,
        )
    found, pages = html_overflows(card_html(fetch_card(card.pk)))
    assert pages > 1
    assert not found, "\n".join(map(str, found[:15]))
