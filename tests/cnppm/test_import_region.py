"""Roster and structure imports write into the actor's own region (issue 8.3): never "the lowest
region id". An operator of several regions chooses the region on the page (without a choice the upload
is refused in Russian); another region's id answers 404; the service refuses a region not the actor's."""

import io

import pytest
from django.urls import reverse

from cnppm import importers
from cnppm.choices import Role
from cnppm.models import Municipality, Person, RoleAssignment
from cnppm.services import DomainError
from tests.cnppm.factories import SubjectFactory
from tests.cnppm.test_importers import structure_file
from tests.cnppm.xlsx_helpers import roster_file, roster_row
from tests.helpers import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def regions(two_regions):
    SubjectFactory(code="physics", name="физика")
    operator = two_regions["r1"]["operator"]
    # Region 1's operator also operates region 2 (whose id is the higher one).
    RoleAssignment.objects.create(person=operator, role=Role.OPERATOR, region=two_regions["r2"]["region"])
    return {**two_regions, "both": operator, "region1": two_regions["r1"]["m1"].region}


def _roster(**row):
    file = io.BytesIO(
        roster_file([roster_row(Email="zarechnaya@example.ru", Фамилия="Заречная", **row)]).getvalue()
    )
    file.name = "roster.xlsx"
    return file


def _zarechye():
    return {"Муниципалитет": "Заречный район", "Организация": "Школа Заречья"}


def test_operator_of_two_regions_must_choose(client, regions):
    login(client, regions["both"])
    html = client.get(reverse("imports")).content.decode()
    assert 'name="region"' in html and "Вторая область" in html
    response = client.post(reverse("imports_roster"), {"roster-file": _roster(**_zarechye())})
    assert response.status_code == 400
    assert (
        "Вы работаете в нескольких регионах: укажите, к какому относятся данные." in response.content.decode()
    )
    assert not Person.objects.filter(last_name="Заречная").exists()
    # Named: the file lands in region 2, matched against region 2's municipalities.
    response = client.post(
        reverse("imports_roster"),
        {"roster-file": _roster(**_zarechye()), "region": regions["r2"]["region"].pk},
        follow=True,
    )
    assert "Импорт выполнен" in response.content.decode()
    person = Person.objects.get(last_name="Заречная")
    assert person.organization == regions["r2"]["o1"]


def test_other_region_id_is_404_and_nothing_written(client, regions):
    login(client, regions["r2"]["operator"])
    data = {"roster-file": _roster(), "region": regions["region1"].pk}
    assert client.post(reverse("imports_roster"), data).status_code == 404
    file = structure_file(Муниципалитеты=[["M9", "Девятый район", "муниципальный район"]])
    file.name = "structure.xlsx"
    data = {"structure-file": file, "region": regions["region1"].pk}
    assert client.post(reverse("imports_structure"), data).status_code == 404
    assert not Person.objects.filter(last_name="Заречная").exists()
    assert not Municipality.objects.filter(code="M9").exists()


def test_single_region_operator_imports_into_own_region(client, regions):
    """Region 2's operator, with no region named: region 2 (not region 1, the lowest id)."""
    login(client, regions["r2"]["operator"])
    file = structure_file(Муниципалитеты=[["M9", "Девятый район", "муниципальный район"]])
    file.name = "structure.xlsx"
    response = client.post(reverse("imports_structure"), {"structure-file": file}, follow=True)
    assert "Импорт выполнен" in response.content.decode()
    assert Municipality.objects.get(code="M9").region == regions["r2"]["region"]


def test_service_refuses_an_ambiguous_or_foreign_region(regions):
    file = structure_file(Муниципалитеты=[["M9", "Девятый район", "муниципальный район"]])
    with pytest.raises(DomainError, match="нескольких регионах"):
        importers.structure_import(actor=regions["both"].user, file=file)
    with pytest.raises(DomainError, match="не найден"):
        importers.structure_import(actor=regions["r2"]["operator"].user, file=file, region=regions["region1"])
    assert not Municipality.objects.filter(code="M9").exists()
