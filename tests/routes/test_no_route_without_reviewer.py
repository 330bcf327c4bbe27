"""No route without a reviewer: the teacher is warned when no curator is assigned (before and after
submitting), the operator has a queue of submitted routes without a curator that links the page that
fixes it, and supporter profiles (kind, subject areas) are editable by the operator of the region."""

import pytest
from django.urls import reverse

from cnppm.choices import Role, SupportKind, SupportRole
from cnppm.models import AuditEvent, RoleAssignment, SupportAssignment
from routes.choices import RouteStatus as S
from tests.cnppm.factories import (
    MunicipalityFactory,
    OrganizationFactory,
    RegionFactory,
    SubjectFactory,
    make_person,
)
from tests.helpers import assert_matrix, count_queries, login
from tests.routes.test_workflow import ready_route


def _drop_curator(world):
    SupportAssignment.objects.filter(person=world["teacher"], role=SupportRole.CURATOR).delete()


def test_card_warns_before_submit_and_the_message_after(world, client):
    route = ready_route(world)
    login(client, world["teacher"])
    html = client.get(reverse("routes:card", args=[route.pk])).content.decode()
    assert 'id="no-curator"' not in html  # with a curator: nothing to warn about
    _drop_curator(world)
    html = client.get(reverse("routes:card", args=[route.pk])).content.decode()
    assert 'id="no-curator"' in html and "отправленный ИОМ будет ждать" in html
    r = client.post(reverse("routes:transition", args=[route.pk]), {"target": S.SUBMITTED}, follow=True)
    html = r.content.decode()
    assert "ИОМ ждёт, когда оператор ЦНППМ назначит куратора" in html
    assert "ИОМ ждёт назначения куратора" in html  # the card itself says so while submitted


def test_operator_queue_lists_routes_without_curator_and_the_assignment_fixes_it(world, client):
    subject = SubjectFactory(code="bio", name="Биология")
    world["teacher"].subjects.add(subject)
    RoleAssignment.objects.get(person=world["curator"], role=Role.CURATOR).subjects.add(subject)
    route = ready_route(world, S.SUBMITTED)
    with_curator = ready_route({**world, "teacher": world["other_teacher"]}, S.SUBMITTED)
    assign = SupportAssignment.objects.create(
        person=world["other_teacher"], supporter=world["tutor"], role=SupportRole.CURATOR
    )
    _drop_curator(world)
    url = reverse("routes:without_curator")
    login(client, world["operator"])
    html = client.get(url).content.decode()
    assert world["teacher"].full_name in html and world["other_teacher"].full_name not in html
    fix = reverse("routes:assignment_person", args=[world["teacher"].pk])
    assert f'href="{fix}"' in html
    r = client.post(fix, {"role": SupportRole.CURATOR, "supporter": world["curator"].pk}, follow=True)
    assert r.status_code == 200
    html = client.get(url).content.decode()
    assert world["teacher"].full_name not in html and 'id="without-curator-empty"' in html
    assert route.pk and with_curator.pk and assign.pk


def test_queue_matrix_and_query_guard(world, client):
    assert_matrix(client, world, reverse("routes:without_curator"), {"operator"})
    login(client, world["operator"])
    _drop_curator(world)
    ready_route(world, S.SUBMITTED)
    client.get(reverse("routes:without_curator"))  # warm the session and the consent check
    small = count_queries(lambda: client.get(reverse("routes:without_curator")))
    for n in range(3):
        teacher = make_person(Role.TEACHER, organization=world["o1"], last_name=f"Педагог{n}")
        ready_route({**world, "teacher": teacher}, S.SUBMITTED)
    large = count_queries(lambda: client.get(reverse("routes:without_curator")))
    assert small.count == large.count, large.sql


def test_profile_pages_matrix(world, client):
    profile = RoleAssignment.objects.get(person=world["curator"], role=Role.CURATOR)
    assert_matrix(client, world, reverse("routes:supporter_profiles"), {"operator"})
    assert_matrix(client, world, reverse("routes:supporter_profile_edit", args=[profile.pk]), {"operator"})


def test_operator_edits_subject_areas_and_kind_with_an_event(world, client):
    physics = SubjectFactory(code="phys", name="Физика")
    chemistry = SubjectFactory(code="chem", name="Химия")
    profile = RoleAssignment.objects.get(person=world["curator"], role=Role.CURATOR)
    login(client, world["operator"])
    url = reverse("routes:supporter_profile_edit", args=[profile.pk])
    r = client.post(
        url, {"support_kind": SupportKind.CIVIL_CONTRACT, "subjects": [physics.pk, chemistry.pk]}, follow=True
    )
    assert "Профиль сопровождающего" in r.content.decode()
    profile.refresh_from_db()
    assert profile.support_kind == SupportKind.CIVIL_CONTRACT
    assert {s.code for s in profile.subjects.all()} == {"phys", "chem"}
    event = AuditEvent.objects.get(verb="supporter_profile_updated", field="subjects")
    assert event.new_value == "Физика, Химия" and event.actor == world["operator"].user
    # No subject at all is refused and the choice typed stays on the page.
    r = client.post(url, {"support_kind": SupportKind.MUNICIPAL, "subjects": []})
    assert r.status_code == 200 and 'id="supporter-profile-form"' in r.content.decode()
    profile.refresh_from_db()
    assert profile.support_kind == SupportKind.CIVIL_CONTRACT


def test_profile_of_another_region_is_not_found(world, client):
    far = OrganizationFactory(
        municipality=MunicipalityFactory(region=RegionFactory(code="R2", name="Другая"))
    )
    stranger = make_person(Role.CURATOR, organization=far)
    profile = RoleAssignment.objects.get(person=stranger, role=Role.CURATOR)
    login(client, world["operator"])
    assert client.get(reverse("routes:supporter_profile_edit", args=[profile.pk])).status_code == 404
    assert stranger.full_name not in client.get(reverse("routes:supporter_profiles")).content.decode()


@pytest.mark.parametrize("page", ["person", "bulk"])
def test_subject_refusal_says_how_to_fix_it(world, client, page):
    math = SubjectFactory(code="math", name="Математика")
    world["teacher"].subjects.add(math)
    curator2 = make_person(Role.CURATOR, organization=world["centre"], last_name="Кураторова")
    profile = RoleAssignment.objects.get(person=curator2, role=Role.CURATOR)
    login(client, world["operator"])
    data = {"role": SupportRole.CURATOR, "supporter": curator2.pk}
    if page == "person":
        r = client.post(reverse("routes:assignment_person", args=[world["teacher"].pk]), data, follow=True)
    else:
        data |= {"person": [world["teacher"].pk], "replace": "1"}
        r = client.post(reverse("routes:assignment_bulk"), data, follow=True)
    html = r.content.decode()
    assert "не сопровождает предметные области педагога (Математика)" in html
    assert "добавьте предметную область педагога в профиль сопровождающего" in html
    assert reverse("routes:supporter_profile_edit", args=[profile.pk]) in html
    assert ">Изменить предметные области сопровождающего</a>" in html
