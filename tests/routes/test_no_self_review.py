"""No oracle of names and no self-review (issue 8.4). A requester learns nothing about people outside
their scope from an assignment's refusal; nobody is their own curator, tutor or mentor, whatever path
made the assignment (page, API, bulk, balancing); on their own route a person is only its teacher (no
review, approval, signature of a correction or of the conclusions); an expert never scores their own
answers; an operator never grants themselves a retake."""

import pytest
from django.urls import reverse

from cnppm.choices import Role, SupportRole
from cnppm.models import RoleAssignment, SupportAssignment
from cnppm.services import DomainError
from diagnostics.choices import ItemType
from diagnostics.models import Answer, Item, RetakeGrant
from diagnostics.services import attempts as attempt_svc
from routes import workflow
from routes.choices import RouteStatus as S
from routes.models import Correction, Route, RouteReview
from routes.services import assignment as assign_svc
from routes.services.corrections import correction_sign
from routes.services.routes import route_conclusions_sign, route_review
from tests.cnppm.factories import SubjectFactory, assign_support, grant_role, make_person
from tests.diagnostics.factories import make_instrument
from tests.helpers import login
from tests.routes.factories import CorrectionFactory, make_route

pytestmark = pytest.mark.django_db

OWN_ROUTE = "Собственный ИОМ нельзя"
SELF_SUPPORT = "Нельзя назначить человека сопровождающим самого себя"


# --- No oracle of names ------------------------------------------------------------------------


def test_assignment_api_does_not_name_people_outside_the_requesters_scope(client, two_regions):
    r1, r2 = two_regions["r1"], two_regions["r2"]
    # Mentors of another school of region 1 and of region 2: a school head sees neither.
    other_school = make_person(Role.MENTOR, organization=r1["o2"], last_name="Соседова")
    for actor, stranger in ((r1["school_head"], other_school), (r1["school_head"], r2["mentor"])):
        login(client, actor)
        body = {
            "person": r1["teacher"].pk,
            "supporter": stranger.pk,
            "role": "mentor",
            "order_number": "1",
            "order_date": "2025-09-01",
        }
        response = client.post("/api/v1/assignments/", body, content_type="application/json")
        text = response.content.decode()
        assert response.status_code == 400
        assert response.json()["detail"] == "Сотрудник не найден."
        for leak in (stranger.last_name, stranger.first_name, stranger.organization.short_name):
            assert leak not in text
    # An id that never existed answers exactly the same.
    body["supporter"] = 999999
    missing = client.post("/api/v1/assignments/", body, content_type="application/json")
    assert missing.status_code == 400 and missing.json()["detail"] == "Сотрудник не найден."
    # Region 2's operator: region 1's curator is not found either.
    login(client, r2["operator"])
    teacher2 = make_person(Role.TEACHER, organization=r2["o1"])
    body = {"person": teacher2.pk, "supporter": r1["curator"].pk, "role": "curator"}
    response = client.post("/api/v1/assignments/", body, content_type="application/json")
    assert response.json()["detail"] == "Сотрудник не найден."
    assert r1["curator"].last_name not in response.content.decode()


# --- Nobody is their own supporter -------------------------------------------------------------


@pytest.fixture
def curator_teacher(world):
    """Region 1's curator who is also a participant (a teacher of maths) without a curator, and
    covers maths as a curator: the only maths curator of the region."""
    maths = SubjectFactory(code="maths", name="Математика")
    curator = world["curator"]
    grant_role(curator, Role.TEACHER)
    curator.subjects.add(maths)
    RoleAssignment.objects.get(person=curator, role=Role.CURATOR).subjects.add(maths)
    return curator, maths


def test_service_refuses_self_assignment(world, curator_teacher):
    curator, _ = curator_teacher
    with pytest.raises(DomainError, match=SELF_SUPPORT):
        assign_svc.support_assign(
            actor=world["operator"].user, person=curator, supporter=curator, role=SupportRole.CURATOR
        )
    with pytest.raises(DomainError, match=SELF_SUPPORT):
        assign_svc.support_bulk_assign(
            actor=world["operator"].user, person_ids=[curator.pk], supporter=curator, role=SupportRole.CURATOR
        )
    assert not SupportAssignment.objects.filter(person=curator).exists()


def test_page_and_api_refuse_self_assignment(client, world, curator_teacher):
    curator, _ = curator_teacher
    login(client, world["operator"])
    url = reverse("routes:assignment_person", args=[curator.pk])
    response = client.post(url, {"role": "curator", "supporter": curator.pk}, follow=True)
    assert SELF_SUPPORT in response.content.decode()
    response = client.post(
        reverse("routes:assignment_bulk"),
        {"role": "curator", "supporter": curator.pk, "person": [curator.pk]},
        follow=True,
    )
    assert SELF_SUPPORT.lower() in response.content.decode().lower()
    body = {"person": curator.pk, "supporter": curator.pk, "role": "curator"}
    response = client.post("/api/v1/assignments/", body, content_type="application/json")
    assert response.status_code == 400 and SELF_SUPPORT in response.json()["detail"]
    assert not SupportAssignment.objects.filter(person=curator).exists()


def test_balancing_never_proposes_nor_applies_a_self_pair(client, world, curator_teacher):
    curator, maths = curator_teacher
    proposal = assign_svc.support_balance_propose(actor=world["operator"].user, role=SupportRole.CURATOR)
    assert all(p.person_id != p.supporter_id for p in proposal.pairs)
    assert curator.pk in {u.person_id for u in proposal.unplaced}
    # A tampered token pairing the curator with themself is refused on apply (service and page).
    with pytest.raises(DomainError, match="сопровождающим самого себя"):
        assign_svc.support_balance_apply(
            actor=world["operator"].user, role=SupportRole.CURATOR, pairs=[(curator.pk, curator.pk, maths.pk)]
        )
    login(client, world["operator"])
    response = client.post(
        reverse("routes:balance_apply"),
        {"role": "curator", "pair": [f"{curator.pk}:{curator.pk}:{maths.pk}"]},
        follow=True,
    )
    assert "сопровождающим самого себя" in response.content.decode()
    assert not SupportAssignment.objects.filter(person=curator).exists()


# --- On one's own route one is only its teacher -------------------------------------------------


def test_curator_cannot_review_their_own_route(client, world):
    curator = world["curator"]
    route = make_route(curator, status=S.SUBMITTED)
    # However it came about (old data, a path that slipped), the curator is their own curator.
    assign_support(curator, curator, SupportRole.CURATOR)
    assert workflow.route_roles(curator.user, route) == {workflow.TEACHER}
    with pytest.raises(DomainError, match=OWN_ROUTE):
        route_review(actor=curator.user, route=route, verdict="no_corrections")
    login(client, curator)
    response = client.post(
        reverse("routes:review", args=[route.pk]), {"verdict": "no_corrections"}, follow=True
    )
    assert OWN_ROUTE in response.content.decode()
    response = client.post(
        f"/api/v1/routes/{route.pk}/review/", {"verdict": "no_corrections"}, content_type="application/json"
    )
    assert response.status_code == 400 and OWN_ROUTE in response.json()["detail"]
    response = client.post(
        f"/api/v1/routes/{route.pk}/transition/", {"target": S.APPROVED}, content_type="application/json"
    )
    assert response.status_code == 400
    route.refresh_from_db()
    assert route.status == S.SUBMITTED and not RouteReview.objects.filter(route=route).exists()
    # The card offers no review form to them.
    card = client.get(reverse("routes:card", args=[route.pk])).content.decode()
    assert 'name="verdict"' not in card


def test_regional_methodist_cannot_sign_a_correction_of_their_own_route(client, world):
    methodist = world["regional_methodist"]
    route = make_route(methodist, status=S.APPROVED)
    correction = CorrectionFactory(route=route)
    with pytest.raises(DomainError, match=OWN_ROUTE):
        correction_sign(actor=methodist.user, correction=correction)
    login(client, methodist)
    response = client.post(reverse("routes:correction_sign", args=[route.pk, correction.pk]), follow=True)
    assert OWN_ROUTE in response.content.decode()
    response = client.post(f"/api/v1/routes/{route.pk}/corrections/{correction.pk}/sign/")
    assert response.status_code == 400 and OWN_ROUTE in response.json()["detail"]
    assert Correction.objects.get(pk=correction.pk).signed_by_id is None
    # Another regional methodist of the region signs it.
    other = make_person(Role.REGIONAL_METHODIST, organization=world["centre"])
    assert correction_sign(actor=other.user, correction=correction).signed_by == other


@pytest.mark.parametrize(
    ("role", "as_role", "field"),
    [
        ("regional_methodist", "regional_methodist", "conclusions_signed_by_methodist"),
        ("school_head", "school_head", "conclusions_signed_by_head"),
    ],
)
def test_conclusions_of_ones_own_route_are_not_signed_by_oneself(client, world, role, as_role, field):
    person = world[role]
    route = make_route(person, status=S.COMPLETING)
    Route.objects.filter(pk=route.pk).update(conclusions="Цели достигнуты.")
    with pytest.raises(DomainError, match=OWN_ROUTE):
        route_conclusions_sign(actor=person.user, route=route, as_role=as_role)
    login(client, person)
    response = client.post(
        reverse("routes:conclusions_sign", args=[route.pk]), {"as_role": as_role}, follow=True
    )
    assert OWN_ROUTE in response.content.decode()
    route.refresh_from_db()
    assert getattr(route, f"{field}_id") is None


# --- Experts and operators ---------------------------------------------------------------------


def test_expert_never_scores_their_own_answers(client, world):
    instrument = make_instrument(types=(ItemType.SINGLE, ItemType.EXTENDED), title="Диагностика экспертов")
    expert = world["expert"]
    grant_role(expert, Role.TEACHER)  # an expert who also teaches takes the teachers' diagnostic
    attempt = attempt_svc.attempt_start(actor=expert.user, instrument_id=instrument.pk)
    for item in Item.objects.filter(variant=attempt.variant):
        value = {"choice": "b"} if item.type == ItemType.SINGLE else {"text": "Мой ответ."}
        attempt_svc.answer_save(actor=expert.user, attempt_id=attempt.pk, item_id=item.pk, value=value)
    attempt_svc.attempt_finish(actor=expert.user, attempt_id=attempt.pk)
    answer = Answer.objects.get(attempt=attempt, item__type=ItemType.EXTENDED)
    login(client, expert)
    assert f"№ {answer.pk}" not in client.get(reverse("diagnostics:expert_queue")).content.decode()
    assert (
        client.post(reverse("diagnostics:expert_check", args=[answer.pk]), {"points": "2"}).status_code == 404
    )
    response = client.post(
        f"/api/v1/expert/answers/{answer.pk}/check/", {"points": "2"}, content_type="application/json"
    )
    assert response.status_code == 400 and "Свои ответы оценивать нельзя" in response.json()["detail"]
    with pytest.raises(DomainError, match="Свои ответы оценивать нельзя"):
        attempt_svc.answer_check(actor=expert.user, answer_id=answer.pk, points="2")
    answer.refresh_from_db()
    assert answer.checked_at is None
    # Another expert of the region scores it.
    colleague = make_person(Role.EXPERT, organization=world["centre"])
    assert (
        attempt_svc.answer_check(actor=colleague.user, answer_id=answer.pk, points="2").checked_by
        == colleague.user
    )


def test_operator_does_not_grant_themself_a_retake(world):
    instrument = make_instrument(types=(ItemType.SINGLE,), title="Диагностика операторов")
    operator = world["operator"]
    grant_role(operator, Role.TEACHER)  # staff who also teach take the teachers' diagnostics
    attempt = attempt_svc.attempt_start(actor=operator.user, instrument_id=instrument.pk)
    attempt_svc.attempt_finish(actor=operator.user, attempt_id=attempt.pk)
    with pytest.raises(DomainError, match="самому себе нельзя"):
        attempt_svc.retake_grant(
            actor=operator.user, person_id=operator.pk, instrument_id=instrument.pk, reason="Сбой связи"
        )
    assert not RetakeGrant.objects.exists()
