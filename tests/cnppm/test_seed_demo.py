"""The demo region: contents, determinism, idempotency, the apps' seeds and the logins table."""

import io
import sys
import types

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count

from cnppm import demo
from cnppm.choices import MunicipalityKind, OrganizationKind, Role, SupportKind, SupportRole
from cnppm.models import (
    Municipality,
    Organization,
    Person,
    ReferenceStatistic,
    RoleAssignment,
    StaffTraining,
    Subject,
    SupportAssignment,
)


def call(*args):
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def no_app_seeds(monkeypatch):
    """Stand-ins for the apps' demo modules that record the order they are called in."""
    calls = []
    for app in demo.APP_SEEDS:
        module = types.ModuleType(f"{app}.demo")
        module.seed = lambda ctx, app=app: calls.append((app, ctx))
        monkeypatch.setitem(sys.modules, f"{app}.demo", module)
    return calls


def test_seed_builds_the_region(db, no_app_seeds):
    out = call("seed_demo", "--teachers", "40")
    assert "Регион «Демонстрационная область»: муниципалитетов 6, организаций 33, педагогов 40." in out
    assert "Пароль всех демо-входов: demo12345" in out
    munis = Municipality.objects.filter(region__code="DEMO")
    assert munis.count() == 6 and munis.filter(kind=MunicipalityKind.REGIONAL_STATE).count() == 1
    kinds = dict(Organization.objects.values_list("kind").annotate(n=Count("id")))
    assert kinds == {
        OrganizationKind.CENTRE: 1,
        OrganizationKind.AUTHORITY: 2,
        OrganizationKind.SCHOOL: 20,
        OrganizationKind.METHODICAL_SERVICE: 5,
        OrganizationKind.ADDITIONAL: 3,
        OrganizationKind.VOCATIONAL: 2,
    }
    assert set(Subject.objects.values_list("name", flat=True)) >= {name for _, name, _ in demo.SUBJECTS}
    held = set(RoleAssignment.objects.values_list("role", flat=True))
    assert held == set(Role.values)
    assert RoleAssignment.objects.filter(role=Role.TEACHER).count() == 40
    assert (
        RoleAssignment.objects.filter(role=Role.MUNICIPAL_METHODIST, municipality__isnull=False).count() == 5
    )
    assert (
        RoleAssignment.objects.filter(
            role=Role.SCHOOL_HEAD, organization__kind=OrganizationKind.SCHOOL
        ).count()
        == 20
    )
    for role in (Role.CURATOR, Role.TUTOR):
        assert set(RoleAssignment.objects.filter(role=role).values_list("support_kind", flat=True)) == set(
            SupportKind.values
        )
    for role in SupportRole.values:
        assert SupportAssignment.objects.filter(role=role).exists()
    # Support matched by subject area.
    for sa in SupportAssignment.objects.filter(role=SupportRole.CURATOR).select_related("subject"):
        area = RoleAssignment.objects.get(person=sa.supporter, role=Role.CURATOR).subjects.all()
        assert sa.subject in area
    assert ReferenceStatistic.objects.count() == 12
    assert StaffTraining.objects.filter(by_federal_coordinator=True).exists()
    assert StaffTraining.objects.filter(by_federal_coordinator=False).exists()
    teacher1 = Person.objects.get(user__username="teacher1")
    assert teacher1.subjects.exists() and teacher1.experience_years is not None
    assert authenticate(username="operator", password="demo12345") is not None
    assert authenticate(username="teacher1", password="demo12345") is not None


def test_seed_calls_app_seeds_in_order_with_the_context(db, no_app_seeds):
    call("seed_demo", "--teachers", "10")
    assert [app for app, _ in no_app_seeds] == ["diagnostics", "routes", "monitoring", "courses"]
    ctx = no_app_seeds[0][1]
    assert ctx.region.code == "DEMO" and len(ctx.municipalities) == 6 and len(ctx.organizations) == 33
    assert len(ctx.teachers) == 10 and all(isinstance(p, Person) and p.pk for p in ctx.teachers)
    assert {str(r) for r in ctx.by_role} == set(Role.values)
    assert ctx.demo_password == "demo12345"


def test_seed_is_idempotent(db, no_app_seeds):
    call("seed_demo", "--teachers", "10")
    people, organizations = Person.objects.count(), Organization.objects.count()
    out = call("seed_demo", "--teachers", "10")
    assert "уже создан; ничего не изменено" in out
    assert Person.objects.count() == people and len(no_app_seeds) == len(demo.APP_SEEDS)
    assert Organization.objects.count() == organizations
    assert Organization.objects.filter(kind=OrganizationKind.AUTHORITY).count() == 2  # regional, federal


def test_ministry_official_belongs_to_the_ministry_not_the_centre(db, no_app_seeds):
    call("seed_demo", "--teachers", "10")
    official = Person.objects.select_related("organization").get(user__username="ministry")
    assert official.organization.kind == OrganizationKind.AUTHORITY
    assert official.organization.short_name == "Министерство образования"
    centre = Organization.objects.get(kind=OrganizationKind.CENTRE)
    assert not RoleAssignment.objects.filter(role=Role.MINISTRY, person__organization=centre).exists()
    # The Centre's staff training counts the Centre's people only.
    assert not StaffTraining.objects.filter(person=official).exists()


def test_seed_is_deterministic(db):
    def snapshot():
        with transaction.atomic():
            demo.build(teachers=25)
            rows = list(
                Person.objects.order_by("user__username").values_list(
                    "user__username",
                    "last_name",
                    "first_name",
                    "middle_name",
                    "organization__short_name",
                    "experience_years",
                )
            )
            support = sorted(
                SupportAssignment.objects.values_list(
                    "person__user__username", "supporter__user__username", "role"
                )
            )
            transaction.set_rollback(True)
        return rows, support

    first, second = snapshot(), snapshot()
    assert first == second and len(first[0]) > 25


def test_demo_logins_table(db, no_app_seeds):
    assert "Демо-регион не создан" in call("demo_logins")
    call("seed_demo", "--teachers", "5")
    out = call("demo_logins")
    for label, login in (
        ("оператор ЦНППМ", "operator"),
        ("министерство", "ministry"),
        ("педагог", "teacher1"),
        ("куратор ИОМ", "curator1"),
        ("тьютор", "tutor1"),
        ("наставник", "mentor1"),
        ("эксперт", "expert1"),
        ("руководитель ОО", "head1"),
        ("представитель ММС", "mm1"),
        ("региональный методист", "methodist1"),
        ("федеральный уровень (Минпросвещения, Академия)", "federal"),
    ):
        line = next(line for line in out.splitlines() if line.startswith(label + " "))
        assert f" {login} " in line and "demo12345" in line


def test_seed_with_the_real_app_seeds(db):
    """`make run` path: the real diagnostics/routes/monitoring seeds on top of the directory."""
    out = call("seed_demo", "--teachers", "15")
    assert "Демо-регион создан" in out


def test_demo_journeys_work_out_of_the_box(db):
    """teacher1 has curator1, who covers the subject and can review the route; a diagnostic of
    teacher1's own subject is open to them; no variant repeats a question; no ordering item's key
    is the order the elements are shown in."""
    from diagnostics.choices import InstrumentKind, ItemType
    from diagnostics.models import Item
    from diagnostics.selectors.attempts import my_diagnostics
    from routes import workflow
    from routes.choices import RouteStatus
    from routes.models import Route

    call("seed_demo", "--teachers", "30")
    teacher1 = Person.objects.get(user__username="teacher1")
    curator1 = Person.objects.get(user__username="curator1")
    curator = SupportAssignment.objects.get(person=teacher1, role=SupportRole.CURATOR, ended_at__isnull=True)
    assert curator.supporter == curator1
    area = set(
        RoleAssignment.objects.get(person=curator1, role=Role.CURATOR).subjects.values_list("pk", flat=True)
    )
    own = set(teacher1.subjects.values_list("pk", flat=True))
    assert curator.subject_id in own & area
    submitted = Route(teacher=teacher1, status=RouteStatus.SUBMITTED)
    assert workflow.can_review(curator1.user, submitted)

    rows = my_diagnostics(teacher1.user)
    own_entry = [
        r
        for r in rows
        if r.available and r.instrument.kind == InstrumentKind.ENTRY and r.instrument.subject_id in own
    ]
    assert own_entry and own_entry[0].state == "start"

    stems: dict[int, list[str]] = {}
    for variant_id, stem in Item.objects.values_list("variant_id", "stem"):
        stems.setdefault(variant_id, []).append(stem)
    assert stems
    for variant_id, texts in stems.items():
        repeated = {t for t in texts if texts.count(t) > 1}
        assert not repeated, f"variant {variant_id} repeats: {repeated}"
    ordering = list(Item.objects.filter(type=ItemType.ORDERING))
    assert ordering
    for item in ordering:
        assert item.key["order"] != [e["id"] for e in item.options["elements"]], item.stem
