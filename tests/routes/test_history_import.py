"""History before the portal (issue 10.2): past diagnostics and routes imported from XLSX count in
the periods when they happened. Acceptance: seed 003 (Dinskoy, F₂ = 52 / 52 = 100 % in the municipal
letter for 2023-Q1) and seed 000 (Khabarovsk, 750 and then 1 552 ИОМ of 10 851 teachers, cumulative,
in the comparison of 2021-W2 with 2022-H1) come out of imported files: the files are generated here,
imported through the service the page and the command use, the periods computed and the reports
rendered, and the figures read as a user reads them."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils.html import strip_tags

from cnppm.importers import STRUCTURE_SHEETS, structure_import
from cnppm.models import Organization, Person
from diagnostics.choices import InstrumentKind, InstrumentStatus
from diagnostics.models import Attempt, BlockResult, CompetenceBlock, Instrument
from monitoring.reports import report_class
from monitoring.services.computation import current_period_codes
from routes.choices import ActivityOutcome, RouteStatus, Verdict
from routes.history import SHEETS, history_import
from routes.models import Route, RouteActivity, RouteEvent, RouteReview
from routes.services.routes import route_transition
from tests.cnppm.factories import MunicipalityFactory, OrganizationFactory
from tests.cnppm.xlsx_helpers import workbook_bytes
from tests.monitoring.conftest import compute
from tests.routes.history_files import history_file

DIAG, ROUTES, ACTS = SHEETS


_file = history_file  # noqa: E305


def _people(org, n: int, prefix: str) -> list[Person]:
    Person.objects.bulk_create(
        Person(organization=org, last_name=f"{prefix}{i:05d}", first_name="Анна", middle_name="Ивановна")
        for i in range(n)
    )
    return list(Person.objects.filter(last_name__startswith=prefix).order_by("last_name"))


def _who(person: Person, org: Organization) -> dict:
    return {
        "Муниципалитет": org.municipality.name,
        "Организация": org.short_name,
        "Фамилия": person.last_name,
        "Имя": person.first_name,
        "Отчество": person.middle_name,
    }


def _instrument(code: str, title: str, blocks: list[tuple[str, str]]) -> Instrument:
    inst = Instrument.objects.create(
        code=code, title=title, kind=InstrumentKind.ENTRY, status=InstrumentStatus.PUBLISHED
    )
    inst.blocks.set(
        [CompetenceBlock.objects.get_or_create(code=c, defaults={"name": n})[0] for c, n in blocks]
    )
    return inst


def _text(report) -> str:
    """The report's HTML rendering as read: tags dropped, every run of spaces (no-break ones too) one."""
    return " ".join(strip_tags(report.render_html()).replace("&nbsp;", " ").split())


# --- Seed 003: Dinskoy, F₂ = 52 / 52 = 100 % for 2023-Q1 -----------------------------------------


@pytest.fixture
def dinskoy(world):
    muni = MunicipalityFactory(region=world["m1"].region, name="Динской район", code="DIN")
    numbers = (1, 2, 3, 4, 5, 6, 10, 13, 14, 20, 21, 29, 30, 35, 37, 38, 53)
    schools = [
        OrganizationFactory(municipality=muni, short_name=f"СОШ №{n}", low_results=n in (13, 29))
        for n in numbers
    ]
    _instrument(
        "fioko-2022", "Оценка компетенций ФИОКО", [("subject", "Предметные"), ("methodical", "Методические")]
    )
    # 52 teachers over 17 schools (3 each, one school 4), and 3 more diagnosed after the period.
    people = _people(schools[0], 55, "Динская")
    placed = [(p, schools[min(i // 3, 16)]) for i, p in enumerate(people[:52])]
    later = [(p, schools[0]) for p in people[52:]]
    return {"muni": muni, "schools": schools, "placed": placed, "later": later, **world}


def _dinskoy_file(d) -> io.BytesIO:
    diagnostics, routes = [], []
    for i, (person, school) in enumerate(d["placed"]):
        for block, value in (("Предметные", 40 + i % 50), ("Методические", "55,5")):
            diagnostics.append(
                {
                    **_who(person, school),
                    "Диагностика": "fioko-2022",
                    "Источник": "ФГБУ ФИОКО",
                    "Дата": date(2022, 9, 20),
                    "Блок": block,
                    "Результат, %": value,
                }
            )
        routes.append(
            {
                **_who(person, school),
                "Учебный год": "2022/2023",
                "Создан": date(2022, 10, 3) + timedelta(days=i),
                "Подан куратору": (date(2022, 10, 10) + timedelta(days=i)).strftime("%d.%m.%Y"),
                "Рассмотрен куратором": date(2023, 1, 10),
                "Заключение куратора": "незначительная доработка"
                if i % 4 == 0
                else "корректировки не требуются",
                "Куратор": d["curator"].email,
                "Утверждён": date(2023, 1, 20),
            }
        )
    # After the letter's period: three more teachers diagnosed in May, their routes in June 2023.
    for person, school in d["later"]:
        diagnostics.append(
            {
                **_who(person, school),
                "Диагностика": "Оценка компетенций ФИОКО",
                "Дата": "15.05.2023",
                "Блок": "subject",
                "Результат, %": 70,
            }
        )
        routes.append(
            {
                **_who(person, school),
                "Учебный год": "2022",
                "Создан": "01.06.2023",
                "Подан куратору": "02.06.2023",
            }
        )
    return _file(diagnostics, routes)


def test_seed_003_municipal_letter_from_imported_history(dinskoy):
    report = history_import(
        actor=dinskoy["operator"].user, file=_dinskoy_file(dinskoy), filename="динская.xlsx"
    )
    assert report.ok, report.errors[:5]
    assert report.details["ИОМ добавлено"] == 55 and report.details["диагностик добавлено"] == 55

    period = compute("2023-Q1")
    letter = report_class("municipal_letter")(period=period, municipality=dinskoy["muni"])
    text = _text(letter)
    assert "F₂ = 52 / 52 · 100 % = 100,0 %" in text
    assert "составила 100,0 %" in text
    assert (
        "приняли участие 52 педагогов" in text
        and "в том числе из школ с низкими образовательными результатами" in text
    )
    ctx = letter.build_context()
    schools = ctx["table"]["schools"]
    assert len(schools.rows) == 17
    assert schools.rows[0][1:] == ["СОШ №1", "", 3, 3, Decimal("100.0")]
    assert schools.total == ["", "Итого по организациям", "", 52, 52, Decimal("100.0")]
    # The three teachers diagnosed in May 2023 (routes submitted in June) were imported with the
    # others, yet 2023-Q1 rendered today does not count them; 2023-Q2 does.
    q2 = report_class("municipal_letter")(period=compute("2023-Q2"), municipality=dinskoy["muni"])
    assert "F₂ = 55 / 55 · 100 % = 100,0 %" in _text(q2)


def test_imported_route_carries_its_history(dinskoy):
    history_import(actor=dinskoy["operator"].user, file=_dinskoy_file(dinskoy))
    person, school = dinskoy["placed"][0]  # reviewed with a minor revision, then approved
    route = Route.objects.get(teacher=person)
    assert route.organization == school and route.academic_year == 2022
    assert route.status == RouteStatus.IN_PROGRESS and route.verdict == Verdict.MINOR
    assert route.entry_attempt.organization == school and route.entry_attempt.is_external
    assert route.entry_attempt.external_source == "ФГБУ ФИОКО"
    assert [r["name"] for r in route.diagnostics_snapshot] == ["Методические", "Предметные"]
    assert route.profile_snapshot["organization_short"] == "СОШ №1"
    steps = [
        (e.from_status, e.to_status, e.at.date().isoformat())
        for e in RouteEvent.objects.filter(route=route).order_by("at", "id")
    ]
    assert steps == [
        ("", "draft", "2022-10-03"),
        ("draft", "submitted", "2022-10-10"),
        ("submitted", "returned", "2023-01-10"),
        ("returned", "submitted", "2023-01-20"),
        ("submitted", "approved", "2023-01-20"),
        ("approved", "in_progress", "2023-01-20"),
    ]
    review = RouteReview.objects.get(route=route)
    assert review.curator == dinskoy["curator"] and review.created_at.date() == date(2023, 1, 10)
    assert route.submitted_at.date() == date(2022, 10, 10) and route.approved_at.date() == date(2023, 1, 20)
    attempt = route.entry_attempt
    assert attempt.percent == Decimal("47.750000")  # (40 + 55,5) / 2
    assert BlockResult.objects.filter(attempt=attempt).count() == 2


def test_past_periods_show_the_imported_routes_as_they_were_then(dinskoy):
    """Rendered today, a past period shows the routes' status at its end: one of the 52 cancelled in
    the portal today still counts in 2023-Q1 (F₂ = 52 / 52) and in its stages; at the end of 2022 the
    routes were under review (reviewed and approved only in January 2023), though today in work."""
    operator = dinskoy["operator"].user
    history_import(actor=operator, file=_dinskoy_file(dinskoy))
    person, _ = dinskoy["placed"][5]
    route = Route.objects.get(teacher=person)
    route_transition(actor=operator, route=route, target=RouteStatus.CANCELLED, comment="дубликат")

    def stages(code):
        table = report_class("analytic")(period=compute(code)).build_context()["table"]["stages"]
        return {row[0]: row[1] for row in table.rows if row[1]}

    q1 = report_class("municipal_letter")(period=compute("2023-Q1"), municipality=dinskoy["muni"])
    assert "F₂ = 52 / 52 · 100 % = 100,0 %" in _text(q1)
    assert stages("2023-Q1") == {"реализуется": 52}
    assert stages("2022-Q4") == {"на рассмотрении": 52}
    # Today: the cancelled one is gone; the three routes of June 2023 were never reviewed.
    assert stages(current_period_codes()[0]) == {"на рассмотрении": 3, "реализуется": 51}


def test_reimporting_the_same_file_adds_nothing(dinskoy):
    actor = dinskoy["operator"].user
    history_import(actor=actor, file=_dinskoy_file(dinskoy))
    counts = (Attempt.objects.count(), Route.objects.count(), RouteEvent.objects.count())
    again = history_import(actor=actor, file=_dinskoy_file(dinskoy))
    assert again.ok and again.details["уже загружено ранее (пропущено)"] == 110
    assert (Attempt.objects.count(), Route.objects.count(), RouteEvent.objects.count()) == counts


def test_dry_run_writes_nothing(dinskoy):
    report = history_import(actor=dinskoy["operator"].user, file=_dinskoy_file(dinskoy), dry_run=True)
    assert report.ok and report.summary().startswith("Проверка прошла успешно, ничего не записано")
    assert not Route.objects.exists() and not Attempt.objects.exists()


# --- Seed 000: Khabarovsk, 750 then 1 552 of 10 851 teachers ----------------------------------------


def _spread(n: int, mean: str, high: int, low: int) -> list[Decimal]:
    """n results with exactly this mean (one decimal), this maximum and this minimum."""
    rest = n - 2
    total = Decimal(mean) * n - high - low
    base = (total / rest).quantize(Decimal("0.1"), rounding="ROUND_FLOOR")
    extra = int((total - base * rest) / Decimal("0.1"))
    return [Decimal(high), Decimal(low)] + [base + Decimal("0.1")] * extra + [base] * (rest - extra)


def test_seed_000_comparison_of_periods_from_imported_history(world, monkeypatch):
    # Many people: the importer reads the region's rows instead of long id lists (that path here).
    monkeypatch.setattr("routes.history.MANY", 100)
    operator = world["operator"].user
    region = world["m1"].region
    muni = MunicipalityFactory(region=region, name="Хабаровский муниципальный район", code="KHB")
    school = OrganizationFactory(municipality=muni, short_name="СОШ с. Тополево")
    # Official headcounts of 2021 and 2022 through the structure import (sheet «Статистика»): the
    # region's 10 851 teachers, all in this municipality; the world's two municipalities report none.
    columns = STRUCTURE_SHEETS["Статистика"]
    stats = [list(columns)] + [[muni.name, year, 10851, 9000, 400, 50, 20] for year in (2021, 2022)]
    stats += [[m.name, year, 0, 0, 0, 0, 0] for m in (world["m1"], world["m2"]) for year in (2021, 2022)]
    assert structure_import(actor=operator, file=io.BytesIO(workbook_bytes({"Статистика": stats}))).ok

    _instrument(
        "platform",
        "Цифровая платформа компетенций",
        [("ict", "ИКТ-компетентность"), ("soft", "Soft-компетенции")],
    )
    people = _people(school, 1552, "Хабаровская")
    values = {
        "ИКТ-компетентность": _spread(746, "66.2", 94, 7),
        "Soft-компетенции": _spread(806, "26.6", 47, 3),
    }
    diagnostics, routes = [], []
    for i, person in enumerate(people):
        first = i < 750  # the first monitoring: September–December 2021
        start = date(2021, 9, 15) if first else date(2022, 1, 15)
        block = "ИКТ-компетентность" if i % 2 == 0 and values["ИКТ-компетентность"] else "Soft-компетенции"
        diagnostics.append(
            {
                **_who(person, school),
                "Диагностика": "platform",
                "Дата": f"{start + timedelta(days=i % 60):%d.%m.%Y}",
                "Блок": block,
                "Результат, %": str(values[block].pop()),
            }
        )
        routes.append(
            {
                **_who(person, school),
                "Учебный год": "2021/22",
                "Создан": f"{start + timedelta(days=i % 60 + 1):%d.%m.%Y}",
                "Подан куратору": f"{start + timedelta(days=i % 60 + 2):%d.%m.%Y}",
                "Утверждён": f"{start + timedelta(days=i % 60 + 5):%d.%m.%Y}",
            }
        )
    report = history_import(actor=operator, file=_file(diagnostics, routes))
    assert report.ok, report.errors[:5]

    before, after = compute("2021-W2"), compute("2022-H1")
    comparison = report_class("comparison")(period=after, compare_with=before)
    iom = comparison.build_context()["table"]["iom"]
    assert iom.rows[0][1:] == [750, 1552, 802]
    assert iom.rows[1][1:3] == [10851, 10851]
    text = _text(comparison)
    assert re.search(r"Учёт ИОМ: 750 на конец периода 2021-W2, 1\s?552 \(нарастающим итогом\)", text)
    assert re.search(
        r"1\s?552 человека, что составило 14,3 % от общего числа педагогических работников — 10\s?851 человек",
        text,
    )
    # Seed 000 prints the share with one decimal and its growth with two (monitoring.numbers.DECIMALS).
    assert "составил 7,39 п. п." in text  # 1552/10851 − 750/10851 = 7,391 percentage points
    assert re.search(
        r"ИКТ-компетентность — 746 человек, при среднем значении уровня компетенции 66,2 % "
        r"\(максимальное значение — 94,0 %, минимальное — 7,0 %\)",
        text,
    )
    assert re.search(r"Soft-компетенции — 806 человек, при среднем значении уровня компетенции 26,6 %", text)


# --- Refusals: all or nothing, sheet, row and column named ----------------------------------------


def test_errors_name_sheet_row_and_column_and_nothing_is_written(dinskoy):
    person, school = dinskoy["placed"][0]
    good = {
        **_who(person, school),
        "Диагностика": "fioko-2022",
        "Дата": "20.09.2022",
        "Блок": "Предметные",
        "Результат, %": 50,
    }
    future = (date.today() + timedelta(days=30)).strftime("%d.%m.%Y")
    file = _file(
        diagnostics=[
            good,
            {**good, "Результат, %": 120},
            {**good, "Диагностика": "нет такой"},
            {**good, "Фамилия": "Неизвестная"},
        ],
        routes=[
            {
                **_who(person, school),
                "Учебный год": "2022/2023",
                "Создан": "10.10.2022",
                "Подан куратору": "01.10.2022",
            },
            {**_who(person, school), "Учебный год": "2022/2024", "Создан": future},
            {
                **_who(person, school),
                "Учебный год": "2021/2022",
                "Создан": "01.10.2021",
                "Подан куратору": "02.10.2021",
                "Рассмотрен куратором": "03.10.2021",
            },
        ],
        activities=[
            {**_who(person, school), "Учебный год": "2020/2021", "Мероприятие": "Курсы"},
            {
                **_who(person, school),
                "Учебный год": "2022/2023",
                "Мероприятие": "Семинар",
                "Выполнение": "выполнено",
            },
        ],
    )
    report = history_import(actor=dinskoy["operator"].user, file=file)
    messages = [str(e) for e in report.errors]
    expected = [
        "лист «Диагностика», строка 3, столбец «Результат, %»: «120»: нужен процент от 0 до 100",
        "лист «Диагностика», строка 4, столбец «Диагностика»: «нет такой»: нет такой диагностической работы в портале",
        "лист «Диагностика», строка 5, столбец «Фамилия»: «Неизвестная Анна Ивановна» не найден(а) в реестре региона",
        "лист «ИОМ», строка 2, столбец «Подан куратору»: 01.10.2022 раньше даты «Создан» (10.10.2022)",
        "лист «ИОМ», строка 3, столбец «Учебный год»: «2022/2024»: нужен учебный год, например 2022/2023",
        "лист «ИОМ», строка 3, столбец «Создан»: ",
        "лист «ИОМ», строка 4, столбец «Заключение куратора»: ИОМ рассмотрен: укажите заключение куратора",
        "лист «ИОМ», строка 4, столбец «Куратор»: ИОМ рассмотрен: укажите куратора (e-mail или ФИО)",
        "лист «Мероприятия ИОМ», строка 2, столбец «Учебный год»: ИОМ этого педагога на 2020/2021 учебный год нет",
        "лист «Мероприятия ИОМ», строка 3, столбец «Учебный год»: ИОМ этого педагога на 2022/2023",
    ]
    for fragment in expected:
        assert any(m.startswith(fragment) for m in messages), (fragment, messages)
    assert "дата в будущем" in " ".join(messages)
    assert report.summary().startswith("Найдено ошибок") and "Ничего не записано" in report.summary()
    assert not Attempt.objects.exists() and not Route.objects.exists()


def test_activities_with_their_outcome_and_a_completed_route(dinskoy):
    person, school = dinskoy["placed"][5]
    who = _who(person, school)
    file = _file(
        diagnostics=[
            {
                **who,
                "Диагностика": "fioko-2022",
                "Дата": "20.09.2022",
                "Блок": "Предметные",
                "Результат, %": 50,
            }
        ],
        routes=[
            {
                **who,
                "Учебный год": "2022/2023",
                "Создан": "01.10.2022",
                "Подан куратору": "02.10.2022",
                "Рассмотрен куратором": "05.10.2022",
                "Заключение куратора": "корректировки не требуются",
                "Куратор": dinskoy["curator"].full_name,
                "Утверждён": "05.10.2022",
                "Завершён": "30.05.2023",
            }
        ],
        activities=[
            {
                **who,
                "Учебный год": "2022/2023",
                "Мероприятие": "Курсы ДПП ПК",
                "Вид": "ДПП повышения квалификации",
                "Уровень": "региональный",
                "Начало": "10.11.2022",
                "Окончание": "20.11.2022",
                "Выполнение": "выполнено",
            },
            {
                **who,
                "Учебный год": "2022/2023",
                "Мероприятие": "Открытый урок",
                "Вид": "открытый урок",
                "Начало": "01.03.2023",
                "Выполнение": "не выполнено",
                "Причина невыполнения": "болезнь",
            },
        ],
    )
    assert history_import(actor=dinskoy["operator"].user, file=file).ok
    route = Route.objects.get(teacher=person)
    assert route.status == RouteStatus.COMPLETED and route.completed_at.date() == date(2023, 5, 30)
    acts = list(RouteActivity.objects.filter(route=route).order_by("order"))
    assert [(a.order, a.title, a.kind, a.outcome) for a in acts] == [
        (1, "Курсы ДПП ПК", "qualification", ActivityOutcome.DONE),
        (2, "Открытый урок", "open_lesson", ActivityOutcome.NOT_DONE),
    ]
    assert acts[1].not_done_reason == "болезнь"
    assert list(RouteEvent.objects.filter(route=route).values_list("to_status", flat=True)) == [
        "draft",
        "submitted",
        "approved",
        "in_progress",
        "completing",
        "completed",
    ]


def test_only_an_operator_imports_history(dinskoy):
    from cnppm.services import DomainError

    with pytest.raises(DomainError, match="только оператор"):
        history_import(actor=dinskoy["curator"].user, file=_dinskoy_file(dinskoy))


def test_a_route_without_diagnostics_is_stored_and_said_not_to_count(dinskoy):
    person, school = dinskoy["placed"][7]
    route = {
        **_who(person, school),
        "Учебный год": "2022/2023",
        "Создан": "01.10.2022",
        "Подан куратору": "02.10.2022",
    }
    report = history_import(actor=dinskoy["operator"].user, file=_file(routes=[route]))
    assert report.details["ИОМ без входной диагностики (не входят в показатели)"] == 1
    assert "ИОМ без входной диагностики (не входят в показатели): 1" in report.summary()
    assert Route.objects.get(teacher=person).entry_attempt is None
