"""Indicator plans belong to a region (issue 8.3): each region's operator plans their own region,
cannot see or change another region's plans (page and API), and each region's reports show its plan."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from monitoring.models import IndicatorDefinition, IndicatorPlan
from monitoring.reports import report_class
from monitoring.services.computation import period_get_or_create
from tests.helpers import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def plans(two_regions):
    r1, r2 = two_regions["r1"]["m1"].region, two_regions["r2"]["region"]
    iom = IndicatorDefinition.objects.get(code="IOM_SHARE")
    p1 = IndicatorPlan.objects.create(region=r1, indicator=iom, year=2022, value=Decimal("7.25"))
    p2 = IndicatorPlan.objects.create(region=r2, indicator=iom, year=2022, value=Decimal("3.50"))
    return {**two_regions, "iom": iom, "p1": p1, "p2": p2, "region1": r1, "region2": r2}


def _values():
    return sorted(IndicatorPlan.objects.values_list("region_id", "indicator_id", "year", "value"))


def test_page_lists_only_own_region_plans(client, plans):
    login(client, plans["r2"]["operator"])
    html = client.get(reverse("monitoring:plans")).content.decode()
    assert "3,5" in html and "7,25" not in html
    login(client, plans["r1"]["operator"])
    html = client.get(reverse("monitoring:plans")).content.decode()
    assert "7,25" in html and "3,5" not in html


def test_region2_operator_cannot_change_region1_plan(client, plans):
    before = _values()
    login(client, plans["r2"]["operator"])
    data = {"indicator": plans["iom"].pk, "year": 2022, "value": "99", "region": plans["region1"].pk}
    assert client.post(reverse("monitoring:plans"), data).status_code == 404
    assert _values() == before
    # Without naming a region the write lands in the operator's own region, never region 1.
    data.pop("region")
    r = client.post(reverse("monitoring:plans"), data, follow=True)
    assert "План сохранён" in r.content.decode()
    assert IndicatorPlan.objects.get(pk=plans["p1"].pk).value == Decimal("7.25")
    assert IndicatorPlan.objects.get(pk=plans["p2"].pk).value == Decimal("99")
    assert IndicatorPlan.objects.count() == 2


def test_operator_of_two_regions_must_choose(client, plans):
    from cnppm.choices import Role
    from cnppm.models import RoleAssignment

    operator = plans["r1"]["operator"]
    RoleAssignment.objects.create(person=operator, role=Role.OPERATOR, region=plans["region2"])
    login(client, operator)
    data = {"indicator": plans["iom"].pk, "year": 2023, "value": "4"}
    html = client.post(reverse("monitoring:plans"), data).content.decode()
    assert "укажите, к какому относятся данные" in html
    assert 'name="region"' in html and "Вторая область" in html
    assert not IndicatorPlan.objects.filter(year=2023).exists()
    client.post(reverse("monitoring:plans"), {**data, "region": plans["region2"].pk})
    assert list(IndicatorPlan.objects.filter(year=2023).values_list("region_id", flat=True)) == [
        plans["region2"].pk
    ]


def test_api_lists_only_own_region_plans(client, plans):
    for who, value in (("operator", "3.50"), ("ministry", "3.50"), ("municipal_methodist", "3.50")):
        login(client, plans["r2"][who])
        data = client.get("/api/v1/monitoring/indicators/").json()
        iom = next(d for d in data if d["code"] == "IOM_SHARE")
        assert [(p["region"], p["value"]) for p in iom["plans"]] == [(plans["region2"].pk, value)], who
    login(client, plans["r1"]["ministry"])
    iom = next(d for d in client.get("/api/v1/monitoring/indicators/").json() if d["code"] == "IOM_SHARE")
    assert [p["value"] for p in iom["plans"]] == ["7.25"]


def test_each_region_quarterly_shows_its_own_plan(plans):
    for region, plan in ((plans["region1"], Decimal("7.25")), (plans["region2"], Decimal("3.50"))):
        period = period_get_or_create("2022-Q2", region=region)
        ctx = report_class("quarterly")(period=period).build_context()
        assert ctx["table"]["indicators"].rows[0][2] == plan
