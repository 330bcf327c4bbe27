"""Several regions in one installation (issue 10.3): each region computes alone (the command, the API
and the service take the region; computing region 2 leaves region 1's snapshots as they were, and both
may be queued for the same code at once); every dashboard, list and API answer of a region's people
stays inside their region; the federal level (the ministry of the federation, the Academy) sees every
region's aggregates side by side with the federal total, as a page, an XLSX and an API, and nothing
person-level."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from openpyxl import load_workbook

from cnppm import access
from cnppm.choices import Role
from cnppm.models import Organization, RoleAssignment
from monitoring import federal
from monitoring.models import ComputationRun, IndicatorSnapshot
from monitoring.services.computation import computation_execute, computation_request, period_get_or_create
from tests.cnppm.factories import MunicipalityFactory, OrganizationFactory, RegionFactory
from tests.helpers import assert_matrix, assert_same_queries, count_queries, login
from tests.monitoring import factories as f

pytestmark = pytest.mark.django_db

REGION_VIEWERS = ("operator", "regional_methodist", "ministry")


def populate(org, n_diagnosed: int, n_iom: int, name: str):
    for i in range(n_diagnosed):
        person = f.teacher(org, last_name=f"{name}{i}")
        entry = f.attempt(person, results={"ict": "high"})
        if i < n_iom:
            f.route(person, entry=entry, activities=[{"competences": ["ict"]}])


def compute(code, region, actor=None):
    period = period_get_or_create(code, region=region)
    run = computation_request(actor=actor, period=period, enqueue=False)
    computation_execute(run_id=run.pk)
    period.refresh_from_db()
    return period


@pytest.fixture
def regions(two_regions):
    """Region 1 (the world): 4 diagnosed in «Школа 1», 3 with an ИОМ, 300 + 100 official teachers.
    Region 2 («Вторая область»): 2 diagnosed in «Школа Заречья», both with an ИОМ, 50 teachers."""
    r1, r2 = two_regions["r1"], two_regions["r2"]
    f.refstat(r1["m1"], 2022, teachers_total=300)
    f.refstat(r1["m2"], 2022, teachers_total=100)
    f.refstat(r2["m1"], 2022, teachers_total=50)
    populate(r1["o1"], 4, 3, "Первоучастник")
    populate(r2["o1"], 2, 2, "Заречник")
    return {**two_regions, "region1": r1["m1"].region, "region2": r2["region"]}


def f2(period) -> IndicatorSnapshot:
    return IndicatorSnapshot.objects.get(
        period=period, indicator__code="F2", scope_level="region", cumulative=True
    )


# --- Each region computes alone ----------------------------------------------------------------


def test_each_region_computes_alone(regions):
    p1 = compute("2022-Q2", regions["region1"])
    before = list(
        IndicatorSnapshot.objects.filter(period=p1).order_by("pk").values_list("pk", "value", "computed_at")
    )
    p2 = compute("2022-Q2", regions["region2"])
    assert p1.pk != p2.pk
    # Region 2's computation left region 1's snapshots exactly as they were.
    after = list(
        IndicatorSnapshot.objects.filter(period=p1).order_by("pk").values_list("pk", "value", "computed_at")
    )
    assert after == before
    assert (f2(p1).numerator, f2(p1).denominator, f2(p1).value) == (3, 4, Decimal("75.0000"))
    assert (f2(p2).numerator, f2(p2).denominator, f2(p2).value) == (2, 2, Decimal("100.0000"))
    # Every row of region 2 is about region 2's municipalities and schools only.
    rows = IndicatorSnapshot.objects.filter(period=p2)
    assert set(rows.exclude(municipality=None).values_list("municipality__region", flat=True)) == {
        regions["region2"].pk
    }
    assert set(
        rows.exclude(organization=None).values_list("organization__municipality__region", flat=True)
    ) == {regions["region2"].pk}
    # Recomputing region 1 leaves region 2 alone too.
    kept = set(rows.values_list("pk", flat=True))
    compute("2022-Q2", regions["region1"])
    assert set(IndicatorSnapshot.objects.filter(period=p2).values_list("pk", flat=True)) == kept


def test_two_regions_queue_the_same_code_at_once(regions):
    """Both regions' computations of 2022-Q2 queued together: neither is refused as «уже выполняется»,
    each replaces only its own period's snapshots, in either order."""
    p1 = period_get_or_create("2022-Q2", region=regions["region1"])
    p2 = period_get_or_create("2022-Q2", region=regions["region2"])
    run1 = computation_request(actor=regions["r1"]["operator"].user, period=p1, enqueue=False)
    run2 = computation_request(actor=regions["r2"]["operator"].user, period=p2, enqueue=False)
    assert run1.status == run2.status == "queued"
    computation_execute(run_id=run2.pk)
    computation_execute(run_id=run1.pk)
    assert set(ComputationRun.objects.values_list("status", flat=True)) == {"done"}
    assert set(IndicatorSnapshot.objects.filter(period=p1).values_list("run", flat=True)) == {run1.pk}
    assert set(IndicatorSnapshot.objects.filter(period=p2).values_list("run", flat=True)) == {run2.pk}


def test_command_takes_the_region(regions):
    out = io.StringIO()
    call_command("compute_indicators", period="2022-Q2", region="R2", stdout=out)
    assert "F2: 100,0 % (2 / 2)" in out.getvalue()
    assert not IndicatorSnapshot.objects.filter(period__region=regions["region1"]).exists()
    with pytest.raises(CommandError, match="Укажите регион периода"):
        call_command("compute_indicators", period="2022-Q2", stdout=io.StringIO())
    with pytest.raises(CommandError, match="Регион с кодом «XX» не найден"):
        call_command("compute_indicators", period="2022-Q2", region="XX", stdout=io.StringIO())
    out = io.StringIO()
    call_command("compute_indicators", period="2022-Q2", region=regions["region1"].code, stdout=out)
    assert "F2: 75,0 % (3 / 4)" in out.getvalue()


def test_api_computation_of_an_operator_of_two_regions_names_the_region(
    client, regions, django_capture_on_commit_callbacks
):
    operator = regions["r1"]["operator"]
    RoleAssignment.objects.create(person=operator, role=Role.OPERATOR, region=regions["region2"])
    login(client, operator)
    url = "/api/v1/monitoring/runs/"
    response = client.post(url, {"period": "2022-Q2"}, content_type="application/json")
    assert response.status_code == 400
    assert "нескольких регионах" in response.json()["detail"]
    assert not ComputationRun.objects.exists()
    body = {"period": "2022-Q2", "region": regions["region2"].pk}
    with django_capture_on_commit_callbacks(execute=True):  # the Celery task (eager) runs the run
        response = client.post(url, body, content_type="application/json")
    assert response.status_code == 202, response.content
    run = ComputationRun.objects.get(pk=response.json()["id"])
    assert run.period.region == regions["region2"] and run.status == "done"
    assert not IndicatorSnapshot.objects.filter(period__region=regions["region1"]).exists()
    # A region not theirs is a 404, like a missing id.
    other = RegionFactory(name="Третья область", code="R3")
    response = client.post(url, {"period": "2022-Q2", "region": other.pk}, content_type="application/json")
    assert response.status_code == 404


# --- Nothing leaks from one region to the other ----------------------------------------------------


@pytest.fixture
def computed(regions):
    regions["p1"] = compute("2022-Q2", regions["region1"])
    regions["p2"] = compute("2022-Q2", regions["region2"])
    return regions


MARKS = {
    "r1": ("Первый район", "Второй район", "Школа 1", "Первоучастник"),
    "r2": ("Заречный район", "Школа Заречья", "Заречник"),
}


@pytest.mark.parametrize("own,other", [("r1", "r2"), ("r2", "r1")])
def test_region_people_see_only_their_region(client, computed, own, other):
    for role in REGION_VIEWERS:
        login(client, computed[own][role])
        pages = {
            "dashboard": client.get(reverse("monitoring:dashboard") + "?period=2022-Q2"),
            "compare": client.get(reverse("monitoring:compare") + "?period=2022-Q2&previous=2022-Q2"),
            "reports": client.get(reverse("monitoring:reports")),
            "snapshots": client.get("/api/v1/monitoring/snapshots/?period=2022-Q2&page_size=500"),
        }
        for name, response in pages.items():
            assert response.status_code == 200, (role, name)
            text = response.content.decode()
            for mark in MARKS[other]:
                assert mark not in text, (role, name, mark)
        dashboard = pages["dashboard"].content.decode()
        assert MARKS[own][0] in dashboard, role
        share = "75,0\u00a0%" if own == "r1" else "100,0\u00a0%"
        assert share in dashboard, role
        snapshots = pages["snapshots"].json()["results"]
        assert snapshots and {s["period"] for s in snapshots} == {"2022-Q2"}
        regional_f2 = [s for s in snapshots if s["indicator"] == "F2" and s["scope_level"] == "region"]
        assert [s["denominator"] for s in regional_f2 if s["cumulative"]] == (
            ["4.00"] if own == "r1" else ["2.00"]
        ), role
        # The other region's municipality page is a 404.
        muni = computed[other]["m1"]
        assert client.get(reverse("monitoring:municipality", args=[muni.pk])).status_code == 404, role
    # The operator's periods page and runs API list only their own region's period.
    login(client, computed[own]["operator"])
    mine, theirs = (computed["p1"], computed["p2"]) if own == "r1" else (computed["p2"], computed["p1"])
    ids = [r["id"] for r in client.get("/api/v1/monitoring/runs/").json()["results"]]
    assert ids == list(mine.runs.values_list("pk", flat=True))
    assert client.get(f"/api/v1/monitoring/runs/{theirs.runs.get().pk}/").status_code == 404
    periods_page = client.get(reverse("monitoring:periods")).content.decode()
    assert (
        f"/periods/{mine.pk}/compute/" in periods_page
        and f"/periods/{theirs.pk}/compute/" not in periods_page
    )


def test_report_of_another_regions_period_is_refused(client, computed):
    login(client, computed["r2"]["operator"])
    body = {"kind": "analytic", "format": "xlsx", "period": computed["p1"].pk}
    response = client.post("/api/v1/monitoring/reports/", body, content_type="application/json")
    assert response.status_code in (400, 404)
    assert not computed["p1"].reports.exists()


# --- The federal level -------------------------------------------------------------------------------


def test_federal_page_shows_every_region_and_the_total(client, computed):
    login(client, computed["r1"]["federal"])
    html = client.get(reverse("monitoring:regions")).content.decode()
    table = html[html.index('id="regions"') :]
    row1 = table[table.index(f'data-region="{computed["region1"].code}"') :]
    row2 = table[table.index('data-region="R2"') :]
    total = table[table.index('data-region="total"') :]
    assert "75,0\u00a0%" in row1[: row1.index("</tr>")]
    assert "100,0\u00a0%" in row2[: row2.index("</tr>")]
    # The federal F2 from the sums: (3 + 2) / (4 + 2) = 83,3 %, not the mean of 75 and 100 (87,5).
    total = total[: total.index("</tr>")]
    assert "83,3\u00a0%" in total and "5 / 6" in total and "87,5" not in total
    # IOM_SHARE: (3 + 2) / (400 + 50) = 1,11 %.
    assert '<td class="text-end" data-code="IOM_SHARE">1,11\u00a0%' in total
    assert html.count("Рассчитано: ") == 2
    assert "2 региона" in total
    # Region-level aggregates only: no municipality, school or person.
    for mark in MARKS["r1"] + MARKS["r2"]:
        assert mark not in html, mark


def test_federal_page_leaves_an_uncomputed_region_out_of_the_total(client, regions):
    compute("2022-Q2", regions["region2"])
    login(client, regions["r1"]["federal"])
    html = client.get(reverse("monitoring:regions") + "?period=2022-Q2").content.decode()
    assert "не рассчитан" in html
    assert "в сумму не входят: " + regions["region1"].name in html
    total = html[html.index('data-region="total"') :]
    assert "100,0\u00a0%" in total[: total.index("</tr>")]
    # An unknown period code is a 404 (a NUL byte too, never a database error).
    assert client.get(reverse("monitoring:regions") + "?period=2019").status_code == 404
    assert client.get(reverse("monitoring:regions") + "?period=%00").status_code == 404
    assert client.get("/api/v1/monitoring/federal/?period=%00").status_code in (400, 404)


def test_federal_xlsx_and_api_carry_the_same_figures(client, computed):
    login(client, computed["r1"]["federal"])
    response = client.get(reverse("monitoring:regions_xlsx") + "?period=2022-Q2")
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).active
    rows = {row[0]: row for row in ws.iter_rows(min_row=3, values_only=True) if row[0]}
    header = [c.value for c in ws[2]]
    f2_col = header.index("F2, %")
    assert rows[computed["region1"].name][f2_col] == 75
    assert rows["Вторая область"][f2_col] == 100
    total = rows["Все регионы (сумма)"]
    assert total[f2_col - 2 : f2_col + 1] == (5, 6, 83.3)
    data = client.get("/api/v1/monitoring/federal/?period=2022-Q2").json()
    assert data["period"] == "2022-Q2" and data["cumulative"] is True
    by_code = {r["code"]: r for r in data["regions"]}
    assert by_code["R2"]["values"]["F2"]["value"] == "100.0000"
    assert by_code["R2"]["computed_at"]
    assert data["total"]["F2"] == {
        "numerator": "5.00",
        "denominator": "6.00",
        "value": "83.3000",
        "note": "",
        "regions": 2,
    }
    assert data["missing"] == []
    assert client.get("/api/v1/monitoring/federal/?period=2019").status_code == 404


def test_federal_matrix(client, computed):
    world = computed["r1"]
    assert_matrix(client, world, reverse("monitoring:regions"), {"federal"})
    assert_matrix(client, world, reverse("monitoring:regions_xlsx") + "?period=2022-Q2", {"federal"})
    assert_matrix(client, world, "/api/v1/monitoring/federal/", {"federal"})


def test_federal_reaches_nothing_person_level(client, computed):
    r1 = computed["r1"]
    user = r1["federal"].user
    assert not access.people(user).exclude(pk=r1["federal"].pk).exists()
    assert not access.person_rows(user).exists()
    assert not access.municipalities(user).exists()
    assert not Organization.objects.filter(access.aggregate_organization_q(user)).exists()
    assert access.region_ids_for_write(user) == frozenset()
    login(client, r1["federal"])
    denied = [
        reverse("people_list"),
        reverse("person_detail", args=[r1["teacher"].pk]),
        reverse("monitoring:dashboard"),
        reverse("monitoring:municipality", args=[r1["m1"].pk]),
        reverse("monitoring:reports"),
        reverse("monitoring:periods"),
        reverse("routes:list"),
        "/api/v1/monitoring/snapshots/",
        "/api/v1/monitoring/indicators/",
        "/api/v1/monitoring/runs/",
        "/api/v1/monitoring/reports/",
    ]
    for url in denied:
        assert client.get(url).status_code in (403, 404), url
    people = client.get("/api/v1/people/")
    assert people.status_code in (403, 404) or people.json()["results"] == []
    menu = client.get(reverse("cabinet")).content.decode()
    assert reverse("monitoring:regions") in menu and reverse("monitoring:dashboard") + '"' not in menu


def test_federal_page_queries_do_not_grow_with_regions(client, computed):
    login(client, computed["r1"]["federal"])
    url = reverse("monitoring:regions") + "?period=2022-Q2"
    client.get(url)  # the session's first save
    small = count_queries(lambda: client.get(url))
    region3 = RegionFactory(name="Третья область", code="R3")
    muni = MunicipalityFactory(region=region3, name="Дальний район", code="R3M1")
    populate(OrganizationFactory(municipality=muni, short_name="Школа Дали"), 1, 1, "Дальний")
    f.refstat(muni, 2022, teachers_total=10)
    compute("2022-Q2", region3)
    large = count_queries(lambda: client.get(url))
    assert_same_queries(small, large)
    api = "/api/v1/monitoring/federal/?period=2022-Q2"
    assert len(client.get(api).json()["regions"]) == 3
    table = federal.federal_table(computed["r1"]["federal"].user, "2022-Q2")
    assert table["total"]["F2"]["numerator"] == 6 and table["computed"] == 3


# --- An operator of several regions chooses the region on the reference pages ------------------------


def test_operator_of_two_regions_chooses_the_region_of_an_event_and_a_period(client, regions):
    from monitoring.models import Period, RegionalEvent

    operator = regions["r1"]["operator"]
    RoleAssignment.objects.create(person=operator, role=Role.OPERATOR, region=regions["region2"])
    login(client, operator)
    for name in ("events", "periods", "plans", "statistics"):
        page = client.get(reverse(f"monitoring:{name}")).content.decode()
        assert 'name="region"' in page and "Вторая область" in page and regions["region1"].name in page, name
    url = reverse("monitoring:events")
    event = {"title": "Форум", "held_on": "2024-03-01", "participants": 12}
    page = client.post(url, event).content.decode()
    assert "укажите, к какому относятся данные" in page and not RegionalEvent.objects.exists()
    client.post(url, event | {"region": regions["region2"].pk})
    assert RegionalEvent.objects.get(title="Форум").region == regions["region2"]
    assert "Вторая область" in client.get(url).content.decode()
    client.post(reverse("monitoring:periods"), {"code": "2024", "region": regions["region2"].pk})
    assert Period.objects.get(code="2024").region == regions["region2"]
    # An operator of one region is not asked.
    login(client, regions["r2"]["operator"])
    assert 'name="region"' not in client.get(url).content.decode()


def test_a_viewer_of_two_regions_chooses_the_region_of_the_dashboard(client, computed):
    ministry = computed["r1"]["ministry"]
    RoleAssignment.objects.create(person=ministry, role=Role.MINISTRY, region=computed["region2"])
    login(client, ministry)
    url = reverse("monitoring:dashboard")
    first = client.get(url + "?period=2022-Q2").content.decode()  # the first region by name
    assert 'name="region"' in first and "Вторая область" in first
    assert ("Первый район" in first) != ("Заречный район" in first)  # one region at a time
    html = client.get(url + f"?period=2022-Q2&region={computed['region2'].pk}").content.decode()
    assert "Заречный район" in html and "Первый район" not in html and "100,0\u00a0%" in html
    # Remembered: the sort links (without ?region=) stay in region 2.
    html = client.get(url + "?period=2022-Q2&sort=f2").content.decode()
    assert "Заречный район" in html and "Первый район" not in html
    html = client.get(url + f"?period=2022-Q2&region={computed['region1'].pk}").content.decode()
    assert "Первый район" in html and "Заречный район" not in html and "75,0\u00a0%" in html
    compare = client.get(reverse("monitoring:compare") + "?period=2022-Q2&previous=2022-Q2").content.decode()
    assert "Первый район" in compare and "Заречный район" not in compare
    # A region not theirs is a 404.
    other = RegionFactory(name="Третья область", code="R3")
    assert client.get(url + f"?region={other.pk}").status_code == 404
    # The municipality page reads its own region's period.
    muni = client.get(reverse("monitoring:municipality", args=[computed["r2"]["m1"].pk]) + "?period=2022-Q2")
    assert "Школа Заречья" in muni.content.decode()


def test_a_viewer_of_two_regions_narrows_snapshots_and_report_periods_by_region(client, computed):
    operator = computed["r1"]["operator"]
    RoleAssignment.objects.create(person=operator, role=Role.OPERATOR, region=computed["region2"])
    login(client, operator)
    url = "/api/v1/monitoring/snapshots/?period=2022-Q2&indicator=F2&scope_level=region&cumulative=true"
    both = client.get(url).json()["results"]
    assert {s["region"] for s in both} == {computed["region1"].pk, computed["region2"].pk}
    only2 = client.get(url + f"&region={computed['region2'].pk}").json()["results"]
    assert [(s["region"], s["denominator"]) for s in only2] == [(computed["region2"].pk, "2.00")]
    assert client.get(url + "&region=abc").status_code == 400
    form = client.get(reverse("monitoring:reports")).content.decode()
    assert "Вторая область: 2022-Q2" in form and f"{computed['region1'].name}: 2022-Q2" in form
