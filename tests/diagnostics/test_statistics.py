"""Statistics against hand-computed figures, per scope; item facility and discrimination; the pages,
their XLSX export, the results export (logged), the permission matrix and the query guards."""

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from cnppm.choices import QualificationCategory
from cnppm.models import PersonalDataAccess
from diagnostics.choices import AttemptStatus, ItemType
from diagnostics.models import Answer, Attempt, Item
from diagnostics.selectors.statistics import instrument_statistics
from tests.cnppm.factories import PersonFactory
from tests.diagnostics.factories import (
    AttemptFactory,
    CompetenceBlockFactory,
    make_final_attempt,
    make_instrument,
)
from tests.helpers import assert_matrix, assert_same_queries, count_queries, login

pytestmark = pytest.mark.django_db
D = Decimal
STAT_ROLES = {
    "operator",
    "regional_methodist",
    "municipal_methodist",
    "other_municipal_methodist",
    "school_head",
    "ministry",
}
EXPORT_ROLES = {
    "operator",
    "regional_methodist",
    "municipal_methodist",
    "other_municipal_methodist",
    "school_head",
}


@pytest.fixture
def scene(world):
    """Four participants: P1, P2 in Школа 1 (M1), P3 in Школа 2 (M1), P4 in Школа 3 (M2).
    Block results (Б1, Б2) and overall: P1 40/60 → 50; P2 70/90 → 80; P3 90/100 → 95; P4 20/40 → 30."""
    b1 = CompetenceBlockFactory(code="b1", name="Предметные", order=1)
    b2 = CompetenceBlockFactory(code="b2", name="Методические", order=2)
    instrument = make_instrument(
        blocks=[b1, b2], types=(ItemType.SINGLE,), variants=4, title="Входная диагностика"
    )
    people = {
        "P1": PersonFactory(
            organization=world["o1"], experience_years=3, qualification_category=QualificationCategory.HIGHEST
        ),
        "P2": PersonFactory(
            organization=world["o1"], experience_years=10, qualification_category=QualificationCategory.FIRST
        ),
        "P3": PersonFactory(
            organization=world["o2"], experience_years=25, qualification_category=QualificationCategory.NONE
        ),
        "P4": PersonFactory(
            organization=world["o3"], experience_years=10, qualification_category=QualificationCategory.FIRST
        ),
    }
    # P1's first attempt was superseded by a retake: only the latest final one counts.
    make_final_attempt(people["P1"], instrument, {b1: 5, b2: 15}, number=1)
    make_final_attempt(people["P1"], instrument, {b1: 40, b2: 60}, number=2)
    make_final_attempt(people["P2"], instrument, {b1: 70, b2: 90})
    make_final_attempt(people["P3"], instrument, {b1: 90, b2: 100})
    make_final_attempt(people["P4"], instrument, {b1: 20, b2: 40})
    AttemptFactory(person=world["teacher"], instrument=instrument, status=AttemptStatus.IN_PROGRESS)
    return {"instrument": instrument, "b1": b1, "b2": b2, **people}


def figures(row):
    return (
        row.participants,
        row.mean,
        row.median,
        row.min,
        row.max,
        row.levels.get("high"),
        row.levels.get("medium"),
        row.levels.get("minimal"),
    )


def test_region_figures(world, scene):
    stats = instrument_statistics(user=world["operator"].user, instrument=scene["instrument"])
    assert figures(stats.overall) == (4, D("63.8"), D("65.0"), D("30.0"), D("95.0"), 2, 1, 1)
    assert stats.overall.level_shares == {"high": D("50.0"), "medium": D("25.0"), "minimal": D("25.0")}
    b1, b2 = stats.blocks
    assert b1.label == "Предметные" and figures(b1) == (
        4,
        D("55.0"),
        D("55.0"),
        D("20.0"),
        D("90.0"),
        2,
        1,
        1,
    )
    # 60 % is a medium deficit, not high (DOMAIN.md: 60 and 80 are medium).
    assert b2.label == "Методические" and figures(b2) == (
        4,
        D("72.5"),
        D("75.0"),
        D("40.0"),
        D("100.0"),
        1,
        1,
        2,
    )
    munis = {r.label: figures(r)[:3] for r in stats.groups["municipality"]}
    assert munis == {"Первый район": (3, D("75.0"), D("80.0")), "Второй район": (1, D("30.0"), D("30.0"))}
    orgs = {r.label: figures(r)[:2] for r in stats.groups["organization"]}
    assert orgs == {
        "Школа 1 (Первый район)": (2, D("65.0")),
        "Школа 2 (Первый район)": (1, D("95.0")),
        "Школа 3 (Второй район)": (1, D("30.0")),
    }
    bands = {r.label: figures(r)[:3] for r in stats.groups["experience"]}
    assert bands == {
        "до 5 лет": (1, D("50.0"), D("50.0")),
        "от 6 до 20 лет": (2, D("55.0"), D("55.0")),
        "свыше 20 лет": (1, D("95.0"), D("95.0")),
    }
    cats = {r.label: figures(r)[:2] for r in stats.groups["category"]}
    assert cats == {"высшая": (1, D("50.0")), "первая": (2, D("55.0")), "без категории": (1, D("95.0"))}


def test_group_tables_for_one_block(world, scene):
    stats = instrument_statistics(
        user=world["operator"].user, instrument=scene["instrument"], block=scene["b1"]
    )
    munis = {r.label: figures(r) for r in stats.groups["municipality"]}
    assert munis["Первый район"] == (3, D("66.7"), D("70.0"), D("40.0"), D("90.0"), 1, 1, 1)
    assert stats.group_source == "Предметные"


@pytest.mark.parametrize(
    "role, expected",
    [
        ("municipal_methodist", (3, D("75.0"), D("80.0"), D("50.0"), D("95.0"), 1, 1, 1)),
        ("other_municipal_methodist", (1, D("30.0"), D("30.0"), D("30.0"), D("30.0"), 1, 0, 0)),
        ("school_head", (2, D("65.0"), D("65.0"), D("50.0"), D("80.0"), 1, 1, 0)),
        # 4 participants in the whole region: too few for an aggregate-only viewer's figures.
        ("ministry", (4, None, None, None, None, None, None, None)),
        ("regional_methodist", (4, D("63.8"), D("65.0"), D("30.0"), D("95.0"), 2, 1, 1)),
        ("teacher", (0, None, None, None, None, None, None, None)),
    ],
)
def test_scoped_figures(world, scene, role, expected):
    stats = instrument_statistics(user=world[role].user, instrument=scene["instrument"])
    assert figures(stats.overall) == expected


def test_item_facility_and_discrimination(world):
    block = CompetenceBlockFactory()
    instrument = make_instrument(blocks=[block], types=(ItemType.SINGLE,) * 4, variants=4)
    items = list(Item.objects.filter(variant__instrument=instrument, variant__number=1).order_by("number"))
    # points per attempt for items 1..4 (None = no answer row), and the attempt's percent
    table = [((1, 1, 1, 0), 100), ((1, 0, 1, 0), 50), ((1, 0, 1, None), 50), ((0, None, 1, 0), 0)]
    for scores, percent in table:
        attempt = AttemptFactory(
            person=PersonFactory(organization=world["o1"]),
            instrument=instrument,
            status=AttemptStatus.FINAL,
            percent=D(percent),
            level="high",
        )
        Answer.objects.bulk_create(
            Answer(attempt=attempt, item=item, value={"choice": "a"}, points=D(s))
            for item, s in zip(items, scores, strict=True)
            if s is not None
        )
    rows = instrument_statistics(user=world["operator"].user, instrument=instrument).items
    first = [r for r in rows if r.variant_number == 1]
    assert [(r.number, r.answered, r.facility, r.discrimination, r.flag) for r in first] == [
        (1, 4, D("0.75"), D("0.82"), ""),
        (2, 3, D("0.25"), D("0.82"), ""),
        (3, 4, D("1.00"), None, "почти все справились"),
        (4, 3, D("0.00"), None, "почти никто не справился"),
    ]
    # Items of variants nobody took are listed without figures only if someone took the variant.
    assert {r.variant_number for r in rows} == {1}


def test_statistics_page_shows_the_figures(client, world, scene):
    login(client, world["municipal_methodist"])
    response = client.get(reverse("diagnostics:statistics_detail", args=[scene["instrument"].pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="participants">3<' in html
    assert (
        '<th scope="row">Первый район</th><td>3</td><td>75,0</td><td>80,0</td><td>50,0</td><td>95,0</td><td>1 (33,3 %)</td><td>1 (33,3 %)</td><td>1 (33,3 %)</td>'
        in html
    )
    assert "Второй район" not in html  # outside the municipal methodist's scope
    assert "Результаты по участникам" in html
    login(client, world["ministry"])
    html = client.get(
        reverse("diagnostics:statistics_detail", args=[scene["instrument"].pk])
    ).content.decode()
    assert "Результаты по участникам" not in html and "Второй район" in html


def test_statistics_xlsx_has_the_tables_and_logs_nothing(client, world, scene):
    login(client, world["regional_methodist"])
    response = client.get(reverse("diagnostics:statistics_export", args=[scene["instrument"].pk]))
    wb = load_workbook(io.BytesIO(response.content))
    blocks = list(wb["Блоки"].iter_rows(values_only=True))
    assert blocks[1][:6] == ("Все участники", 4, 63.8, 65.0, 30.0, 95.0)
    assert blocks[2][:6] == ("Предметные", 4, 55.0, 55.0, 20.0, 90.0)
    munis = list(wb["Муниципалитет"].iter_rows(values_only=True))
    assert munis[1][:3] == ("Первый район", 3, 75.0)
    assert not PersonalDataAccess.objects.exists()


def test_results_export_is_scoped_and_logged(client, world, scene):
    login(client, world["school_head"])
    response = client.get(reverse("diagnostics:results_export", args=[scene["instrument"].pk]))
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][:9] == (
        "ФИО",
        "E-mail",
        "Организация",
        "Муниципалитет",
        "Попытка",
        "Внешняя",
        "Дата",
        "Итог, %",
        "Уровень дефицита",
    )
    names = {r[0] for r in rows[1:]}
    assert names == {scene["P1"].full_name, scene["P2"].full_name}
    p2 = next(r for r in rows[1:] if r[0] == scene["P2"].full_name)
    assert (p2[7], p2[8], p2[9], p2[10]) == (80.0, "средний", 70.0, 90.0)
    log = PersonalDataAccess.objects.get()
    assert (log.actor, log.action, log.records) == (
        world["school_head"].user,
        "export",
        3,
    )  # P1 has two attempts


def test_permission_matrix(client, world, scene):
    pk = scene["instrument"].pk
    assert_matrix(client, world, reverse("diagnostics:statistics_index"), STAT_ROLES)
    assert_matrix(client, world, reverse("diagnostics:statistics_detail", args=[pk]), STAT_ROLES)
    assert_matrix(client, world, reverse("diagnostics:statistics_export", args=[pk]), STAT_ROLES)
    assert_matrix(client, world, reverse("diagnostics:results_export", args=[pk]), EXPORT_ROLES)


def test_draft_and_missing_instruments_answer_404(client, world):
    draft = make_instrument(status="draft", variants=1, types=(ItemType.SINGLE,))
    login(client, world["operator"])
    assert client.get(reverse("diagnostics:statistics_detail", args=[draft.pk])).status_code == 404
    assert client.get(reverse("diagnostics:statistics_detail", args=[999999])).status_code == 404


def _grow(world, instrument, b1, b2, n):
    for i in range(n):
        org = (world["o1"], world["o2"], world["o3"])[i % 3]
        make_final_attempt(
            PersonFactory(organization=org, experience_years=i), instrument, {b1: 10 * (i % 10), b2: 55}
        )


def test_query_count_does_not_grow(client, world, scene):
    login(client, world["operator"])
    url = reverse("diagnostics:statistics_detail", args=[scene["instrument"].pk])
    index = reverse("diagnostics:statistics_index")
    client.get(url)  # warm the session and per-user caches
    small = count_queries(lambda: client.get(url))
    small_index = count_queries(lambda: client.get(index))
    _grow(world, scene["instrument"], scene["b1"], scene["b2"], 12)
    make_instrument(types=(ItemType.SINGLE,), variants=1)
    assert Attempt.objects.filter(status=AttemptStatus.FINAL).count() == 17
    assert_same_queries(small, count_queries(lambda: client.get(url)))
    assert_same_queries(small_index, count_queries(lambda: client.get(index)))


def test_ministry_sees_no_figures_of_groups_too_small_to_be_anonymous(world, client):
    """An organization with one participant would show that person's score: aggregate-only
    viewers get the head count, not the figures; the operator still sees them."""
    from diagnostics.selectors.statistics import instrument_statistics
    from tests.diagnostics.factories import make_final_attempt, make_instrument

    instrument = make_instrument()
    block = instrument.blocks.first()
    make_final_attempt(world["teacher"], instrument, {block: 37})
    ministry = instrument_statistics(user=world["ministry"].user, instrument=instrument)
    row = next(r for r in ministry.groups["organization"] if r.participants == 1)
    assert row.suppressed and row.mean is None and row.levels == {}
    assert ministry.overall.suppressed
    operator = instrument_statistics(user=world["operator"].user, instrument=instrument)
    row = next(r for r in operator.groups["organization"] if r.participants == 1)
    assert not row.suppressed and row.mean == 37
