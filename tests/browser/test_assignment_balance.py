"""The operator balances curators through chromium: the proposal shows loads against the norm and who
cannot be placed, applying it assigns; the curator then sees the new teachers in "Мои педагоги" and
downloads a card as PDF."""

import pytest

from cnppm.choices import Role, SupportRole
from cnppm.models import RoleAssignment, SupportAssignment
from tests.cnppm.factories import SubjectFactory, make_person
from tests.routes.factories import make_route

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_operator_balances_and_curator_sees_caseload(page, sign_in, shots, world, settings):
    from playwright.sync_api import expect

    settings.SUPPORT_NORM = 2
    math = SubjectFactory(code="math", name="Математика")
    RoleAssignment.objects.get(person=world["curator"], role=Role.CURATOR).subjects.add(math)
    a = make_person(Role.TEACHER, organization=world["o2"], last_name="Алгебраева")
    a.subjects.add(math)
    b = make_person(Role.TEACHER, organization=world["o2"], last_name="Геометров")
    b.subjects.add(math)
    make_route(a)
    sign_in(world["operator"])
    page.goto("/routes/assignment/balance/")
    page.get_by_label("Роль").select_option("curator")
    page.get_by_label("Муниципалитет").select_option(str(world["m1"].pk))
    page.get_by_role("button", name="Сформировать предложение").click()
    # Norm 2, the curator already has the world's teacher: one place left.
    expect(page.locator("#proposal-summary")).to_contain_text("предложено пар: 1")
    shots("operator-balance-proposal")
    expect(
        page.get_by_text("Все кураторы по предметным областям (Математика) загружены до нормы 2.")
    ).to_be_visible()
    page.get_by_role("button", name="Применить предложение").click()
    expect(page.get_by_role("alert").first).to_contain_text("Предложение применено: назначено 1.")
    assert (
        SupportAssignment.objects.filter(
            supporter=world["curator"], role=SupportRole.CURATOR, ended_at__isnull=True
        ).count()
        == 2
    )

    page.get_by_role("button", name="Выйти").click()
    sign_in(world["curator"])
    page.get_by_role("button", name="ИОМ").click()
    page.get_by_role("link", name="Мои педагоги").click()
    expect(page.locator("#caseload-summary")).to_contain_text("Педагогов: 2")
    expect(page.get_by_role("cell", name=a.full_name)).to_be_visible()
    expect(page.get_by_text("не покрыто дефицитов: 2")).to_be_visible()
