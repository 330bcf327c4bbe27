"""The ministry's statistics survive differencing (cnppm.disclosure): with groups of 12, 9 and 2
participants, the attack total × mean − Σ visible (count × mean), and the same on the counts by level,
is run against what the ministry's page, API and XLSX show; it must not give back the 2-person group's
mean or levels, while the same attack on the operator's (unsuppressed) figures does."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from cnppm import disclosure
from cnppm.choices import QualificationCategory
from diagnostics.selectors.statistics import GROUPINGS
from tests.cnppm.factories import MunicipalityFactory, OrganizationFactory, PersonFactory
from tests.diagnostics.factories import CompetenceBlockFactory, make_final_attempt, make_instrument
from tests.helpers import login

pytestmark = pytest.mark.django_db
D = Decimal
LEVELS = ("high", "medium", "minimal")

# Per municipality (one school each): the block percents of its participants.
GROUPS = {
    "Большой район": [72, 75, 81, 90, 66, 58, 84, 77, 95, 63, 70, 88],
    "Средний район": [55, 61, 79, 83, 92, 47, 68, 74, 86],
    "Малый район": [12, 31],
}


@pytest.fixture
def scene(world):
    block = CompetenceBlockFactory(code="sd", name="Предметные", order=1)
    instrument = make_instrument(blocks=[block], variants=1, title="Диагностика для министерства")
    region = world["o1"].municipality.region
    for name, percents in GROUPS.items():
        municipality = MunicipalityFactory(region=region, name=name)
        school = OrganizationFactory(municipality=municipality, short_name=f"Школа ({name})")
        for p in percents:
            person = PersonFactory(
                organization=school, experience_years=10, qualification_category=QualificationCategory.FIRST
            )
            make_final_attempt(person, instrument, {block: p})
    small = [D(p) for p in GROUPS["Малый район"]]
    truth = {
        "mean": sum(small) / len(small),
        "levels": {lvl: sum(1 for p in small if instrument.level_for(p) == lvl) for lvl in LEVELS},
    }
    return {"instrument": instrument, "truth": truth}


def num(text):
    if text in (None, "", "—"):
        return None
    return D(str(text).replace(",", ".").replace("\xa0", ""))


def attack(total: dict, rows: list[dict]) -> dict:
    """What subtraction gives for the groups whose figures are not shown: their head count, mean and
    counts by level (None where the total's own figure is hidden)."""
    visible = [r for r in rows if r["mean"] is not None]
    n = total["n"] - sum(r["n"] for r in visible)
    out = {"n": n, "mean": None, "levels": None}
    if total["mean"] is not None and n:
        out["mean"] = (total["n"] * total["mean"] - sum(r["n"] * r["mean"] for r in visible)) / n
    if total["levels"] is not None and all(r["levels"] is not None for r in visible):
        out["levels"] = {lvl: total["levels"][lvl] - sum(r["levels"][lvl] for r in visible) for lvl in LEVELS}
    return out


def recovered(result: dict, truth: dict) -> bool:
    """Whether the attack pinned the small group: its mean (to the rounding of the inputs) or its levels."""
    mean_hit = result["mean"] is not None and abs(result["mean"] - truth["mean"]) < D("1")
    return mean_hit or result["levels"] == truth["levels"]


# --- reading what each channel shows --------------------------------------------------------------


def page_row(label: str, values: list[str]) -> dict:
    levels = [re.match(r"[^ (]+", v).group(0) for v in values[5:8]]
    return {
        "label": re.sub(r"<.*", "", label, flags=re.S).strip(),
        "n": int(values[0]),
        "mean": num(values[1]),
        "min": num(values[3]),
        "max": num(values[4]),
        "levels": None if "—" in levels else dict(zip(LEVELS, map(int, levels), strict=True)),
    }


def from_page(client, instrument) -> dict:
    html = client.get(reverse("diagnostics:statistics_detail", args=[instrument.pk])).content.decode()
    tables = dict(re.findall(r'<table[^>]*id="stat-([\w-]+)"[^>]*>(.*?)</table>', html, re.S))
    overall = re.findall(r"<td>(.*?)</td>", tables.pop("overall"))
    groups = {
        kind: [
            page_row(label, re.findall(r"<td>(.*?)</td>", cells))
            for label, cells in re.findall(r'<tr><th scope="row">(.*?)</th>(.*?)</tr>', body, re.S)
        ]
        for kind, body in tables.items()
        if kind not in ("blocks", "items")
    }
    return {"total": page_row("Все участники", overall), "groups": groups}


def from_api(client, instrument) -> dict:
    data = client.get(f"/api/v1/instruments/{instrument.pk}/statistics/").json()

    def row(r):
        return {
            "label": r["label"],
            "n": r["participants"],
            "mean": num(r["mean"]),
            "min": num(r["min"]),
            "max": num(r["max"]),
            "levels": r["levels"] or None,
        }

    groups = {k: [row(r) for r in v] for k, v in data["groups"].items()}
    return {"total": row(data["overall"]), "groups": groups}


def from_xlsx(client, instrument) -> dict:
    content = client.get(reverse("diagnostics:statistics_export", args=[instrument.pk])).content
    wb = load_workbook(io.BytesIO(content))

    def row(r):
        counts = [r[6], r[8], r[10]]
        return {
            "label": r[0],
            "n": r[1],
            "mean": num(r[2]),
            "min": num(r[4]),
            "max": num(r[5]),
            "levels": None if None in counts else dict(zip(LEVELS, counts, strict=True)),
        }

    kinds = {title[:31]: kind for kind, title in GROUPINGS.items()}
    sheets = {
        kinds.get(ws.title, ws.title): [row(r) for r in list(ws.iter_rows(values_only=True))[1:]]
        for ws in wb.worksheets
        if ws.title != "Задания"
    }
    return {"total": sheets["Блоки"][0], "groups": {k: v for k, v in sheets.items() if k != "Блоки"}}


CHANNELS = {"page": from_page, "api": from_api, "xlsx": from_xlsx}


@pytest.mark.parametrize("channel", CHANNELS)
def test_subtraction_recovers_the_small_group_from_the_operators_figures(client, world, scene, channel):
    """The attack works: on unsuppressed figures it gives the 2-person group back."""
    login(client, world["operator"])
    shown = CHANNELS[channel](client, scene["instrument"])
    munis = [r for r in shown["groups"]["municipality"] if r["label"] != "Малый район"]
    assert recovered(attack(shown["total"], munis), scene["truth"])


@pytest.mark.parametrize("channel", CHANNELS)
def test_the_ministry_cannot_recover_the_small_group(client, world, scene, channel):
    login(client, world["ministry"])
    shown = CHANNELS[channel](client, scene["instrument"])
    limit = disclosure.threshold()
    total = shown["total"]
    assert total["n"] == 23 and total["mean"] is not None  # the total itself is shown
    # The overall minimum (12 %) and maximum are one person's result each: hidden.
    assert total["min"] is None and total["max"] is None
    for kind, rows in shown["groups"].items():
        assert sum(r["n"] for r in rows) == total["n"], kind
        result = attack(total, rows)
        # Whatever the subtraction gives, it is about a group of at least the threshold.
        assert result["n"] == 0 or result["n"] >= limit, kind
        assert not recovered(result, scene["truth"]), kind
        for r in rows:
            if r["n"] < limit:
                assert r["mean"] is None and r["levels"] is None and r["min"] is None, (kind, r)
    munis = {r["label"]: r for r in shown["groups"]["municipality"]}
    assert munis["Большой район"]["mean"] is not None  # the 12 stay visible
    assert munis["Средний район"]["mean"] is None  # the complement of the 2
    assert munis["Малый район"]["n"] == 2 and munis["Малый район"]["mean"] is None


def test_complementary_rule():
    assert disclosure.hidden_keys({"a": 12, "b": 9, "c": 2}, limit=5) == {"b", "c"}
    assert disclosure.hidden_keys({"a": 12, "b": 9, "c": 2, "d": 3}, limit=5) == {"c", "d"}
    assert disclosure.hidden_keys({"a": 12, "b": 9}, limit=5) == set()
    assert disclosure.hidden_keys({"a": 1, "b": 1, "c": 1}, limit=5) == {"a", "b", "c"}
    # A group already hidden (its parent is) joins the rule.
    assert disclosure.hidden_keys({"a": 12, "b": 9, "c": 6}, hidden={"c"}, limit=5) == {"c"}


class FakeRow:
    def __init__(self, key, n, parent=None):
        self.key, self.participants, self.parent = key, n, parent
        self.suppressed = self.extremes_hidden = False

    def suppress(self):
        self.suppressed = True

    def hide_extremes(self):
        self.extremes_hidden = True


def test_schools_of_a_complement_municipality_are_hidden_too():
    """Municipalities A (schools a1 6, a2 6), B (b1 2), C (c1 5, c2 15): B is hidden with its complement
    A. If a1 and a2 stayed visible, A = a1 + a2 and B = total − A − C: the schools of a hidden
    municipality are hidden with it, and inside every municipality the rule holds again."""
    total = FakeRow(None, 34)
    munis = [FakeRow("A", 12), FakeRow("B", 2), FakeRow("C", 20)]
    hidden = disclosure.suppress_rows(total, munis, limit=5)
    assert {r.key for r in munis if r.suppressed} == {"A", "B"} and total.extremes_hidden
    schools = [FakeRow("a1", 6, "A"), FakeRow("a2", 6, "A"), FakeRow("b1", 2, "B")]
    schools += [FakeRow("c1", 5, "C"), FakeRow("c2", 15, "C")]
    parents = {r.key for r in munis if id(r) in hidden}
    disclosure.suppress_rows(total, schools, nest=lambda r: r.parent, hidden_parents=parents, limit=5)
    assert {r.key for r in schools if r.suppressed} == {"a1", "a2", "b1"}
    # A school alone under a visible municipality is hidden with the next smallest of its siblings.
    schools = [FakeRow("c1", 3, "C"), FakeRow("c2", 7, "C"), FakeRow("c3", 10, "C"), FakeRow("d1", 9, "D")]
    disclosure.suppress_rows(FakeRow(None, 29), schools, nest=lambda r: r.parent, limit=5)
    assert {r.key for r in schools if r.suppressed} == {"c1", "c2"}


def test_items_answered_by_few_show_no_facility_to_the_ministry(world):
    from diagnostics.models import Answer, Attempt, Item
    from diagnostics.selectors.statistics import instrument_statistics

    block = CompetenceBlockFactory(code="it", name="Предметные", order=1)
    instrument = make_instrument(blocks=[block], variants=1)
    item = Item.objects.filter(variant__instrument=instrument).first()
    for p in (40, 90):
        attempt = make_final_attempt(PersonFactory(organization=world["o1"]), instrument, {block: p})
        Attempt.objects.filter(pk=attempt.pk).update(variant=item.variant)
        Answer.objects.create(attempt=attempt, item=item, value={}, points=item.points if p > 50 else 0)
    rows = {
        r.item_id: r for r in instrument_statistics(user=world["operator"].user, instrument=instrument).items
    }
    assert rows[item.pk].answered == 2 and rows[item.pk].facility == D("0.50")
    ministry = instrument_statistics(user=world["ministry"].user, instrument=instrument).items
    row = next(r for r in ministry if r.item_id == item.pk)
    assert row.answered == 2 and row.facility is None and row.discrimination is None
