"""Assignment of curators, tutors and mentors: the services (matching, mentors from the school with
the order, reassignment ending the old one, events) and the pages (matrix, bulk, warnings)."""

from datetime import date

import pytest
from django.urls import reverse

from cnppm.choices import Role, SupportRole
from cnppm.models import AuditEvent, PersonalDataAccess, RoleAssignment, SupportAssignment
from cnppm.russian import person_name
from cnppm.services import DomainError
from routes.services.assignment import support_assign, support_bulk_assign, support_end
from tests.cnppm.factories import SubjectFactory, make_person
from tests.helpers import assert_matrix, login

VIEW_ROLES = {"school_head", "municipal_methodist", "regional_methodist", "operator"}


@pytest.fixture
def maths(world):
    math = SubjectFactory(code="math", name="Математика")
    world["teacher"].subjects.add(math)
    curator2 = make_person(Role.CURATOR, organization=world["centre"], last_name="Кураторова")
    RoleAssignment.objects.get(person=curator2, role=Role.CURATOR).subjects.add(math)
    return {"math": math, "curator2": curator2}


def active(person, role):
    return SupportAssignment.objects.filter(person=person, role=role, ended_at__isnull=True)


def test_reassign_ends_old_and_writes_events(world, maths):
    operator = world["operator"].user
    old = active(world["teacher"], SupportRole.CURATOR).get()
    new = support_assign(
        actor=operator, person=world["teacher"], supporter=maths["curator2"], role=SupportRole.CURATOR
    )
    old.refresh_from_db()
    assert old.ended_at is not None
    assert active(world["teacher"], SupportRole.CURATOR).get() == new
    assert new.subject == maths["math"] and new.assigned_by == operator
    ended = AuditEvent.objects.get(verb="support_ended", object_id=str(old.pk))
    assert ended.old_value == world["curator"].full_name
    started = AuditEvent.objects.get(verb="support_assigned", object_id=str(new.pk))
    assert (started.old_value, started.new_value, started.actor) == (
        world["curator"].full_name,
        maths["curator2"].full_name,
        operator,
    )


def test_subject_mismatch_refused(world, maths):
    physics = SubjectFactory(code="phys", name="Физика")
    RoleAssignment.objects.get(person=maths["curator2"], role=Role.CURATOR).subjects.set([physics])
    with pytest.raises(DomainError, match="не сопровождает предметные области педагога \\(Математика\\)"):
        support_assign(
            actor=world["operator"].user,
            person=world["teacher"],
            supporter=maths["curator2"],
            role=SupportRole.CURATOR,
        )
    assert active(world["teacher"], SupportRole.CURATOR).get().supporter == world["curator"]


def test_supporter_without_role_and_double_submit_refused(world, maths):
    operator = world["operator"].user
    with pytest.raises(DomainError, match="нет роли «тьютор»"):
        support_assign(
            actor=operator, person=world["teacher"], supporter=maths["curator2"], role=SupportRole.TUTOR
        )
    with pytest.raises(DomainError, match="уже закреплён"):
        support_assign(
            actor=operator, person=world["teacher"], supporter=world["curator"], role=SupportRole.CURATOR
        )
    assert SupportAssignment.objects.filter(person=world["teacher"]).count() == 3


def test_mentor_must_be_from_participants_school_with_order(world):
    head = world["school_head"].user
    stranger = make_person(Role.MENTOR, organization=world["o2"], last_name="Чужаков")
    # The head does not see another school's people: the refusal does not name them (issue 8.4).
    with pytest.raises(DomainError, match="^Сотрудник не найден.$"):
        support_assign(
            actor=head,
            person=world["teacher"],
            supporter=stranger,
            role=SupportRole.MENTOR,
            order_number="1-о",
            order_date=date(2025, 9, 1),
        )
    # The operator sees both schools and is told why.
    with pytest.raises(DomainError, match="Наставник должен работать в той же организации"):
        support_assign(
            actor=world["operator"].user,
            person=world["teacher"],
            supporter=stranger,
            role=SupportRole.MENTOR,
            order_number="1-о",
            order_date=date(2025, 9, 1),
        )
    colleague = make_person(Role.MENTOR, organization=world["o1"], last_name="Коллегова")
    with pytest.raises(DomainError, match="Укажите номер и дату приказа"):
        support_assign(actor=head, person=world["teacher"], supporter=colleague, role=SupportRole.MENTOR)
    a = support_assign(
        actor=head,
        person=world["teacher"],
        supporter=colleague,
        role=SupportRole.MENTOR,
        order_number="42-о",
        order_date=date(2025, 9, 1),
    )
    assert (a.order_number, a.order_date) == ("42-о", date(2025, 9, 1))
    # A school head assigns only mentors, and only in their school.
    with pytest.raises(DomainError, match="оператор ЦНППМ"):
        support_assign(actor=head, person=world["teacher"], supporter=world["tutor"], role=SupportRole.TUTOR)


def test_out_of_scope_participant_refused(world, maths):
    with pytest.raises(DomainError, match="вне вашей области доступа"):
        support_assign(
            actor=world["school_head"].user,
            person=world["other_teacher"],
            supporter=world["mentor"],
            role=SupportRole.MENTOR,
            order_number="1",
            order_date=date(2025, 9, 1),
        )


def test_end_and_end_twice(world):
    a = active(world["teacher"], SupportRole.TUTOR).get()
    support_end(actor=world["operator"].user, assignment=a, comment="уволился")
    assert not active(world["teacher"], SupportRole.TUTOR).exists()
    assert AuditEvent.objects.filter(verb="support_ended", comment="уволился").exists()
    with pytest.raises(DomainError, match="уже завершено"):
        support_end(actor=world["operator"].user, assignment=a)


def test_bulk_is_all_or_nothing(world, maths):
    operator = world["operator"].user
    t2 = make_person(Role.TEACHER, organization=world["o2"], last_name="Второй")
    t2.subjects.add(maths["math"])
    t3 = make_person(Role.TEACHER, organization=world["o2"], last_name="Третий")  # no subjects: free choice
    result = support_bulk_assign(
        actor=operator,
        person_ids=[world["teacher"].pk, t2.pk, t3.pk],
        supporter=maths["curator2"],
        role=SupportRole.CURATOR,
    )
    assert (result.assigned, result.already) == (2, 1)  # the world teacher already has a curator
    physics = SubjectFactory(code="phys", name="Физика")
    t4 = make_person(Role.TEACHER, organization=world["o2"], last_name="Физиков")
    t4.subjects.add(physics)
    t5 = make_person(Role.TEACHER, organization=world["o2"], last_name="Пятый")
    before = SupportAssignment.objects.count()
    with pytest.raises(DomainError, match="ничего не изменено.*Физиков"):
        support_bulk_assign(
            actor=operator, person_ids=[t4.pk, t5.pk], supporter=maths["curator2"], role=SupportRole.CURATOR
        )
    assert SupportAssignment.objects.count() == before


def test_person_page_matrix(client, world):
    assert_matrix(client, world, reverse("routes:assignment_person", args=[world["teacher"].pk]), VIEW_ROLES)


def test_list_page_matrix(client, world):
    # A list page: every holder of the role gets it (their own scope's rows, tested below).
    assert_matrix(
        client, world, reverse("routes:assignment_list"), VIEW_ROLES | {"other_municipal_methodist"}
    )


def test_pool_and_balance_pages_matrix(client, world):
    assert_matrix(client, world, reverse("routes:caseloads"), {"operator", "regional_methodist"})
    assert_matrix(client, world, reverse("routes:balance"), {"operator"})


def test_list_page_shows_supporters_and_logs(client, world):
    login(client, world["municipal_methodist"])
    response = client.get(reverse("routes:assignment_list"))
    text = response.content.decode()
    assert world["teacher"].full_name in text
    assert world["curator"].short_name in text and "(приказ № 15-о)" in text
    assert world["other_teacher"].full_name not in text  # M2 is outside the methodist's scope
    assert "Массовое назначение" not in text  # a methodist only looks
    assert PersonalDataAccess.objects.filter(
        actor=world["municipal_methodist"].user, object_type="support_assignment"
    ).exists()


def test_person_page_assigns_and_warns_over_norm(client, world, maths, settings):
    settings.SUPPORT_NORM = 1
    other = make_person(Role.TEACHER, organization=world["o2"])
    other.subjects.add(maths["math"])
    support_assign(
        actor=world["operator"].user, person=other, supporter=maths["curator2"], role=SupportRole.CURATOR
    )
    login(client, world["operator"])
    url = reverse("routes:assignment_person", args=[world["teacher"].pk])
    response = client.post(url, {"role": "curator", "supporter": maths["curator2"].pk}, follow=True)
    text = response.content.decode()
    assert "Куратор назначен." in text
    assert (
        f"нагрузка {person_name(maths['curator2'], 'gent', 'short')} — 2 педагога, это выше нормы 1" in text
    )
    assert active(world["teacher"], SupportRole.CURATOR).get().supporter == maths["curator2"]
    assert (
        "История закреплений" in text and world["curator"].full_name in text
    )  # the ended one stays in history


def test_person_page_shows_refusal_in_russian(client, world):
    login(client, world["school_head"])
    stranger = make_person(Role.MENTOR, organization=world["o2"], last_name="Чужаков")
    url = reverse("routes:assignment_person", args=[world["teacher"].pk])
    response = client.post(
        url,
        {"role": "mentor", "supporter": stranger.pk, "order_number": "3", "order_date": "2025-09-01"},
        follow=True,
    )
    text = response.content.decode()
    assert "Сотрудник не найден" in text and "Чужаков" not in text and "Школа 2" not in text
    assert active(world["teacher"], SupportRole.MENTOR).get().supporter == world["mentor"]


def test_bulk_page_by_filter(client, world, maths):
    t2 = make_person(Role.TEACHER, organization=world["o2"], last_name="Второй")
    t2.subjects.add(maths["math"])
    login(client, world["operator"])
    response = client.post(
        reverse("routes:assignment_bulk"),
        {
            "role": "curator",
            "supporter": maths["curator2"].pk,
            "all_filtered": "1",
            "back": f"organization={world['o2'].pk}&missing=curator",
        },
        follow=True,
    )
    assert "Назначено: 1." in response.content.decode()
    assert active(t2, SupportRole.CURATOR).get().supporter == maths["curator2"]


def test_end_via_page(client, world):
    a = active(world["teacher"], SupportRole.TUTOR).get()
    login(client, world["municipal_methodist"])
    assert client.post(reverse("routes:assignment_end", args=[a.pk])).status_code in (403, 404)
    login(client, world["operator"])
    response = client.post(reverse("routes:assignment_end", args=[a.pk]), follow=True)
    assert "Закрепление (тьютор) завершено." in response.content.decode()


def test_list_query_guard(client, world, maths):
    from tests.helpers import assert_same_queries, count_queries

    login(client, world["operator"])
    url = reverse("routes:assignment_list")
    client.get(url)
    small = count_queries(lambda: client.get(url))
    for i in range(15):
        t = make_person(Role.TEACHER, organization=world["o2"], last_name=f"Доп{i}")
        t.subjects.add(maths["math"])
        support_assign(
            actor=world["operator"].user, person=t, supporter=maths["curator2"], role=SupportRole.CURATOR
        )
    large = count_queries(lambda: client.get(url))
    assert_same_queries(small, large)
