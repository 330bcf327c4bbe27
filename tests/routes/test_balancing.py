"""Balancing: the proposal keeps every caseload within the norm, matches subjects, lists who cannot be
placed and why; applying re-checks the norm and is all or nothing."""

import pytest

from cnppm.choices import Role, SupportRole
from cnppm.models import AuditEvent, RoleAssignment, SupportAssignment
from cnppm.services import DomainError
from routes.services.assignment import parse_pair_tokens, support_balance_apply, support_balance_propose
from tests.cnppm.factories import OrganizationFactory, SubjectFactory, assign_support, make_person


@pytest.fixture
def pool(world, settings):
    settings.SUPPORT_NORM = 3
    math = SubjectFactory(code="math", name="Математика", order=1)
    phys = SubjectFactory(code="phys", name="Физика", order=2)
    chem = SubjectFactory(code="chem", name="Химия", order=3)
    centre = world["centre"]
    c1 = make_person(Role.CURATOR, organization=centre, last_name="Аникина")
    c2 = make_person(Role.CURATOR, organization=centre, last_name="Борисова")
    RoleAssignment.objects.get(person=c1, role=Role.CURATOR).subjects.add(math, phys)
    RoleAssignment.objects.get(person=c2, role=Role.CURATOR).subjects.add(math)
    school = world["o1"]
    teachers = []
    for i in range(6):
        t = make_person(Role.TEACHER, organization=school, last_name=f"Учитель{i}")
        t.subjects.add(math)
        teachers.append(t)
    physicist = make_person(Role.TEACHER, organization=world["o2"], last_name="Физиков")
    physicist.subjects.add(phys)
    chemist = make_person(Role.TEACHER, organization=school, last_name="Химиков")
    chemist.subjects.add(chem)
    nobody = make_person(Role.TEACHER, organization=school, last_name="Безпредметный")
    return {
        "math": math,
        "phys": phys,
        "chem": chem,
        "c1": c1,
        "c2": c2,
        "teachers": teachers,
        "physicist": physicist,
        "chemist": chemist,
        "nobody": nobody,
    }


def test_proposal_respects_norm_and_subjects(world, pool):
    operator = world["operator"].user
    proposal = support_balance_propose(actor=operator, role=SupportRole.CURATOR)
    # The world's teacher already has a curator: not proposed again.
    proposed = {p.person_id: p for p in proposal.pairs}
    assert world["teacher"].pk not in proposed
    # Norm 3, two curators: 6 places; the physicist (only c1 covers physics) goes first.
    assert len(proposal.pairs) == 6
    assert proposed[pool["physicist"].pk].supporter_id == pool["c1"].pk
    assert proposed[pool["physicist"].pk].subject_name == "Физика"
    loads = {row.supporter_id: row for row in proposal.loads}
    assert loads[pool["c1"].pk].after == 3 and loads[pool["c2"].pk].after == 3
    assert all(not row.over_norm for row in proposal.loads)
    # The generic world curator covers no subject: nobody proposed to them.
    assert loads[world["curator"].pk].after == loads[world["curator"].pk].before == 1
    reasons = {u.person_name: u.reason for u in proposal.unplaced}
    assert reasons[pool["chemist"].full_name] == "Нет кураторов по предметным областям: Химия."
    assert reasons[pool["nobody"].full_name] == "У педагога не указаны предметные области."
    full = [u for u in proposal.unplaced if "загружены до нормы 3" in u.reason]
    assert len(full) == 1 and "Все кураторы по предметным областям (Математика)" in full[0].reason


def test_proposal_is_deterministic(world, pool):
    operator = world["operator"].user
    a = support_balance_propose(actor=operator, role=SupportRole.CURATOR)
    b = support_balance_propose(actor=operator, role=SupportRole.CURATOR)
    assert [p.token for p in a.pairs] == [p.token for p in b.pairs]


def test_proposal_spreads_least_loaded_first(world, pool, settings):
    settings.SUPPORT_NORM = 200
    assign_support(pool["teachers"][0], pool["c1"], SupportRole.CURATOR)
    assign_support(pool["teachers"][1], pool["c1"], SupportRole.CURATOR)
    proposal = support_balance_propose(actor=world["operator"].user, role=SupportRole.CURATOR)
    loads = {row.supporter_id: row.after for row in proposal.loads}
    # 2 existing + 5 new (4 maths + physicist): c1 ends with 4 (2 + physicist + 1), c2 with 3.
    assert loads[pool["c1"].pk] == 4 and loads[pool["c2"].pk] == 3


def test_apply_creates_assignments_with_events(world, pool):
    operator = world["operator"].user
    proposal = support_balance_propose(actor=operator, role=SupportRole.CURATOR)
    made = support_balance_apply(
        actor=operator, role=SupportRole.CURATOR, pairs=parse_pair_tokens(p.token for p in proposal.pairs)
    )
    assert made == 6
    assert SupportAssignment.objects.filter(supporter=pool["c1"], ended_at__isnull=True).count() == 3
    assert SupportAssignment.objects.filter(supporter=pool["c2"], ended_at__isnull=True).count() == 3
    assert AuditEvent.objects.filter(verb="support_assigned", comment="балансировка нагрузки").count() == 6


def test_apply_rechecks_norm_and_changes_nothing(world, pool):
    operator = world["operator"].user
    proposal = support_balance_propose(actor=operator, role=SupportRole.CURATOR)
    # Meanwhile someone gives c2 a new participant: c2 would go to 4 > 3.
    extra = make_person(Role.TEACHER, organization=OrganizationFactory(municipality=world["m1"]))
    assign_support(extra, pool["c2"], SupportRole.CURATOR)
    before = SupportAssignment.objects.count()
    with pytest.raises(DomainError) as exc:
        support_balance_apply(
            actor=operator, role=SupportRole.CURATOR, pairs=parse_pair_tokens(p.token for p in proposal.pairs)
        )
    assert "стала бы 4 при норме 3" in exc.value.message
    assert SupportAssignment.objects.count() == before


def test_apply_refuses_participant_assigned_meanwhile(world, pool):
    operator = world["operator"].user
    proposal = support_balance_propose(actor=operator, role=SupportRole.CURATOR)
    first = proposal.pairs[0]
    assign_support(
        pool["physicist"] if first.person_id == pool["physicist"].pk else pool["teachers"][0],
        pool["c1"],
        SupportRole.CURATOR,
    )
    with pytest.raises(DomainError, match="уже назначен"):
        support_balance_apply(
            actor=operator, role=SupportRole.CURATOR, pairs=parse_pair_tokens(p.token for p in proposal.pairs)
        )


def test_apply_refuses_tampered_subject_and_foreign_person(world, pool):
    operator = world["operator"].user
    teacher = pool["teachers"][0]
    with pytest.raises(DomainError, match="предметная область не совпадает"):
        support_balance_apply(
            actor=operator, role=SupportRole.CURATOR, pairs=[(teacher.pk, pool["c2"].pk, pool["phys"].pk)]
        )
    with pytest.raises(DomainError, match="повреждено"):
        parse_pair_tokens(["abc:1"])
    # A municipal methodist may not balance at all.
    with pytest.raises(DomainError, match="оператор"):
        support_balance_propose(actor=world["municipal_methodist"].user, role=SupportRole.CURATOR)
    with pytest.raises(DomainError, match="наставника назначает школа"):
        support_balance_propose(actor=operator, role=SupportRole.MENTOR)


def test_filters_by_municipality_and_subject(world, pool):
    operator = world["operator"].user
    proposal = support_balance_propose(
        actor=operator, role=SupportRole.CURATOR, organization_id=world["o2"].pk
    )
    assert [p.person_id for p in proposal.pairs] == [pool["physicist"].pk]
    proposal = support_balance_propose(actor=operator, role=SupportRole.CURATOR, subject_id=pool["chem"].pk)
    assert proposal.pairs == [] and [u.person_id for u in proposal.unplaced] == [pool["chemist"].pk]
    proposal = support_balance_propose(
        actor=operator, role=SupportRole.CURATOR, municipality_id=world["m2"].pk
    )
    assert proposal.pairs == []
    assert [(u.person_id, u.reason) for u in proposal.unplaced] == [
        (world["other_teacher"].pk, "У педагога не указаны предметные области.")
    ]
