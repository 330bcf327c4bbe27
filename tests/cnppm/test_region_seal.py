"""Regions sealed from each other (issue 8.3): region 2's operator, methodists, experts and school
staff cannot change region 1's data through the holes the attacker found: the reference-statistics
form and import, regional events, organization facts, periods and computations (page and API), the
supporter of an assignment (page and API), the expert queue (page and API). Every write resolves its
region from the actor's scope; nothing writes into "the first region"."""

import io

import pytest
from django.urls import reverse
from openpyxl import Workbook

from cnppm import access
from cnppm.choices import Role, SupportRole
from cnppm.models import OrganizationYearFact, ReferenceStatistic, SupportAssignment
from diagnostics.choices import AttemptStatus, ItemType
from diagnostics.models import Answer, Item
from diagnostics.services import attempts as attempt_svc
from monitoring.models import ComputationRun, Period, RegionalEvent
from monitoring.services.computation import period_get_or_create
from tests.cnppm.factories import make_person
from tests.diagnostics.factories import make_instrument
from tests.helpers import login

pytestmark = pytest.mark.django_db

HEADER = [
    "Муниципалитет",
    "Год",
    "Педагогов всего",
    "Учителей школ",
    "Общеобразовательных организаций",
    "Организаций доп. образования",
    "Организаций СПО",
]


def xlsx(rows, name="stat.xlsx"):
    wb = Workbook()
    ws = wb.active
    for row in [HEADER, *rows]:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    buf.name = name
    return buf


# --- access: the write region and the supporters ----------------------------------------------


def test_write_region_is_the_actors_own(two_regions):
    r1, r2 = two_regions["r1"], two_regions["r2"]
    op2 = r2["operator"].user
    assert access.region_ids_for_write(op2) == {r2["region"].pk}
    assert access.write_region(op2) == r2["region"]
    with pytest.raises(Exception) as exc:
        access.write_region(op2, r1["m1"].region_id)
    assert exc.type.__name__ == "Http404"
    # Roles without a region scope write no region-level data.
    for role in ("teacher", "expert", "school_head", "municipal_methodist", "ministry", "curator"):
        assert access.region_ids_for_write(r2[role].user) == frozenset(), role


def test_supporters_are_the_actors_region_or_school(two_regions):
    r1, r2 = two_regions["r1"], two_regions["r2"]
    op2 = set(access.supporters(r2["operator"].user).values_list("pk", flat=True))
    assert r2["curator"].pk in op2 and r1["curator"].pk not in op2
    head1 = set(access.supporters(r1["school_head"].user).values_list("pk", flat=True))
    assert r1["mentor"].pk in head1 and r1["curator"].pk not in head1 and r2["mentor"].pk not in head1
    for role in ("teacher", "curator", "regional_methodist", "ministry", "expert"):
        assert not access.supporters(r2[role].user).exists(), role


# --- Reference statistics, events, organization facts ------------------------------------------


def test_region2_operator_statistics_import_writes_region2_only(client, two_regions):
    r1, r2 = two_regions["r1"], two_regions["r2"]
    ReferenceStatistic.objects.create(municipality=r1["m1"], year=2024, teachers_total=1000)
    login(client, r2["operator"])
    url = reverse("monitoring:statistics_import")
    # Region 1's municipality is not found in region 2: nothing is written anywhere.
    response = client.post(url, {"imp-file": xlsx([["Первый район", 2024, 5]])}, follow=True)
    assert "не найден в регионе Вторая область" in response.content.decode()
    assert ReferenceStatistic.objects.get(municipality=r1["m1"], year=2024).teachers_total == 1000
    # Its own municipality lands in its own region.
    client.post(url, {"imp-file": xlsx([["Заречный район", 2024, 77]])})
    assert ReferenceStatistic.objects.get(municipality=r2["m1"], year=2024).teachers_total == 77
    assert ReferenceStatistic.objects.get(municipality=r1["m1"], year=2024).teachers_total == 1000
    # Naming region 1 explicitly is a 404, like a missing id.
    response = client.post(url, {"region": r1["m1"].region_id, "imp-file": xlsx([["Первый район", 2024, 5]])})
    assert response.status_code == 404
    assert ReferenceStatistic.objects.get(municipality=r1["m1"], year=2024).teachers_total == 1000


def test_region2_operator_statistics_form_cannot_pick_region1(client, two_regions):
    r1, r2 = two_regions["r1"], two_regions["r2"]
    login(client, r2["operator"])
    url = reverse("monitoring:statistics")
    page = client.get(url).content.decode()
    assert "Заречный район" in page and "Первый район" not in page
    client.post(url, {"stat-municipality": r1["m1"].pk, "stat-year": 2024, "stat-teachers_total": 5})
    assert not ReferenceStatistic.objects.filter(municipality=r1["m1"]).exists()


def test_statistics_service_refuses_another_regions_municipality(two_regions):
    from cnppm.services import DomainError
    from monitoring.services.reference import refstat_save

    r1, r2 = two_regions["r1"], two_regions["r2"]
    with pytest.raises(DomainError, match="не найдены в вашем регионе"):
        refstat_save(actor=r2["operator"].user, municipality=r1["m1"], year=2024, teachers_total=5)
    assert not ReferenceStatistic.objects.exists()


def test_regional_events_stay_in_their_region(client, two_regions):
    r1, r2 = two_regions["r1"], two_regions["r2"]
    event1 = RegionalEvent.objects.create(
        region=r1["m1"].region, title="Форум региона 1", held_on="2024-03-01"
    )
    login(client, r2["operator"])
    page = client.get(reverse("monitoring:events")).content.decode()
    assert "Форум региона 1" not in page
    response = client.post(reverse("monitoring:event_delete", args=[event1.pk]))
    assert response.status_code == 404 and RegionalEvent.objects.filter(pk=event1.pk).exists()
    client.post(reverse("monitoring:events"), {"title": "Слёт", "held_on": "2024-04-01", "participants": 3})
    assert RegionalEvent.objects.get(title="Слёт").region == r2["region"]
    data = {"title": "Слёт", "held_on": "2024-04-01", "participants": 3, "region": r1["m1"].region_id}
    assert client.post(reverse("monitoring:events"), data).status_code == 404
    assert RegionalEvent.objects.filter(region=r1["m1"].region).count() == 1


def test_organization_facts_of_another_region_refused(client, two_regions):
    r1, r2 = two_regions["r1"], two_regions["r2"]
    login(client, r2["operator"])
    page = client.get(reverse("monitoring:org_facts")).content.decode()
    assert "Школа Заречья" in page and "Школа 1" not in page
    client.post(
        reverse("monitoring:org_facts"),
        {"organization": r1["o1"].pk, "year": 2024, "implements_mentoring": "on"},
    )
    assert not OrganizationYearFact.objects.filter(organization=r1["o1"]).exists()


# --- Periods and computations ------------------------------------------------------------------


def test_region2_operator_computes_its_own_period_not_region1s(client, two_regions):
    r1, r2 = two_regions["r1"], two_regions["r2"]
    region1 = r1["m1"].region
    p1 = period_get_or_create("2024", region=region1)
    login(client, r2["operator"])
    # The API request for the same code creates and computes region 2's period.
    response = client.post("/api/v1/monitoring/runs/", {"period": "2024"}, content_type="application/json")
    assert response.status_code == 202, response.content
    run = ComputationRun.objects.get(pk=response.json()["id"])
    assert run.period.region == r2["region"]
    assert not p1.runs.exists()
    # Naming region 1 is a 404.
    response = client.post(
        "/api/v1/monitoring/runs/", {"period": "2024", "region": region1.pk}, content_type="application/json"
    )
    assert response.status_code == 404 and not p1.runs.exists()
    # The page: creating by code lands in region 2; region 1's period id is a 404 for every action.
    client.post(reverse("monitoring:periods"), {"code": "2023"})
    assert Period.objects.get(code="2023").region == r2["region"]
    for name in ("period_compute", "period_close"):
        assert client.post(reverse(f"monitoring:{name}", args=[p1.pk])).status_code == 404, name
    assert client.post(reverse("monitoring:period_reopen", args=[p1.pk]), {"reason": "x"}).status_code == 404
    assert not p1.runs.exists()
    p1.refresh_from_db()
    assert p1.is_closed is False


def test_computation_service_refuses_another_regions_period(two_regions):
    from cnppm.services import DomainError
    from monitoring.services.computation import computation_request, period_close

    r1, r2 = two_regions["r1"], two_regions["r2"]
    p1 = period_get_or_create("2024", region=r1["m1"].region)
    with pytest.raises(DomainError, match="Период не найден"):
        computation_request(actor=r2["operator"].user, period=p1, enqueue=False)
    with pytest.raises(DomainError, match="Период не найден"):
        period_close(actor=r2["operator"].user, period=p1)
    assert not p1.runs.exists()


def test_period_without_region_needs_the_only_region(two_regions):
    from cnppm.services import DomainError

    with pytest.raises(DomainError, match="Укажите регион периода"):
        period_get_or_create("2024")


# --- Assignment of supporters ------------------------------------------------------------------


def test_region2_operator_cannot_assign_region1_curator_page(client, two_regions):
    r1, r2 = two_regions["r1"], two_regions["r2"]
    teacher2 = make_person(Role.TEACHER, organization=r2["o1"], last_name="Новенький")
    login(client, r2["operator"])
    url = reverse("routes:assignment_person", args=[teacher2.pk])
    response = client.post(url, {"role": "curator", "supporter": r1["curator"].pk}, follow=True)
    text = response.content.decode()
    assert "Сотрудник не найден" in text
    assert r1["curator"].last_name not in text
    assert not SupportAssignment.objects.filter(person=teacher2).exists()
    # Bulk assignment alike.
    response = client.post(
        reverse("routes:assignment_bulk"),
        {"role": "curator", "supporter": r1["curator"].pk, "person": [teacher2.pk]},
        follow=True,
    )
    assert "Сотрудник не найден" in response.content.decode()
    assert not SupportAssignment.objects.filter(person=teacher2).exists()
    # Region 1's teacher does not exist for region 2's operator.
    url = reverse("routes:assignment_person", args=[r1["teacher"].pk])
    assert client.post(url, {"role": "curator", "supporter": r2["curator"].pk}).status_code == 404


def test_region2_operator_cannot_assign_region1_curator_api(client, two_regions):
    r1, r2 = two_regions["r1"], two_regions["r2"]
    teacher2 = make_person(Role.TEACHER, organization=r2["o1"], last_name="Новенький")
    login(client, r2["operator"])
    body = {"person": teacher2.pk, "supporter": r1["curator"].pk, "role": "curator"}
    response = client.post("/api/v1/assignments/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"] == "Сотрудник не найден."
    assert not SupportAssignment.objects.filter(person=teacher2).exists()
    body = {"person": r1["teacher"].pk, "supporter": r2["curator"].pk, "role": "curator"}
    assert client.post("/api/v1/assignments/", body, content_type="application/json").status_code == 404
    a1 = SupportAssignment.objects.get(person=r1["teacher"], role=SupportRole.CURATOR)
    assert (
        client.post(f"/api/v1/assignments/{a1.pk}/end/", {}, content_type="application/json").status_code
        == 404
    )
    a1.refresh_from_db()
    assert a1.ended_at is None


# --- The expert queue --------------------------------------------------------------------------


def finished_with_extended(person, instrument):
    user = person.user
    attempt = attempt_svc.attempt_start(actor=user, instrument_id=instrument.pk)
    for item in Item.objects.filter(variant=attempt.variant):
        value = {"choice": "b"} if item.type == ItemType.SINGLE else {"text": "Развёрнутый ответ."}
        attempt_svc.answer_save(actor=user, attempt_id=attempt.pk, item_id=item.pk, value=value)
    return attempt_svc.attempt_finish(actor=user, attempt_id=attempt.pk)


@pytest.fixture
def extended_instrument(db):
    return make_instrument(types=(ItemType.SINGLE, ItemType.EXTENDED), title="Диагностика с эссе")


def test_expert_queue_is_limited_to_the_experts_region(client, two_regions, extended_instrument):
    r1, r2 = two_regions["r1"], two_regions["r2"]
    attempt1 = finished_with_extended(r1["teacher"], extended_instrument)
    attempt2 = finished_with_extended(r2["teacher"], extended_instrument)
    answer1 = Answer.objects.get(attempt=attempt1, item__type=ItemType.EXTENDED)
    answer2 = Answer.objects.get(attempt=attempt2, item__type=ItemType.EXTENDED)
    for role in ("expert", "operator"):
        login(client, r2[role])
        queue = client.get(reverse("diagnostics:expert_queue")).content.decode()
        assert f"№ {answer2.pk}" in queue and f"№ {answer1.pk}" not in queue, role
        url = reverse("diagnostics:expert_check", args=[answer1.pk])
        assert client.get(url).status_code == 404, role
        assert client.post(url, {"points": "2"}).status_code == 404, role
        api = f"/api/v1/expert/answers/{answer1.pk}/check/"
        assert client.post(api, {"points": "2"}, content_type="application/json").status_code == 404, role
        ids = [row["id"] for row in client.get("/api/v1/expert/answers/").json()["results"]]
        assert answer1.pk not in ids and answer2.pk in ids, role
    answer1.refresh_from_db()
    assert answer1.checked_at is None and answer1.points is None
    assert attempt1.__class__.objects.get(pk=attempt1.pk).status == AttemptStatus.CHECKING
    # Region 1's expert still scores it.
    login(client, r1["expert"])
    url = reverse("diagnostics:expert_check", args=[answer1.pk])
    assert client.post(url, {"points": "2"}).status_code == 302
    answer1.refresh_from_db()
    assert answer1.checked_by == r1["expert"].user
