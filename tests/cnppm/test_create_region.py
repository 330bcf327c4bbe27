"""`manage.py create_region` (issue 10.3): a region with its municipalities and organizations from the
structure template, all or nothing; refusals in Russian."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cnppm.models import AuditEvent, Municipality, Organization, Region
from tests.cnppm.factories import RegionFactory
from tests.cnppm.test_importers import structure_file

pytestmark = pytest.mark.django_db


def write(tmp_path, **sheets):
    path = tmp_path / "structure.xlsx"
    path.write_bytes(structure_file(**sheets).getvalue())
    return str(path)


def test_creates_the_region_with_its_municipalities(tmp_path, capsys):
    RegionFactory(name="Первая область", code="R1")  # a second region: the file lands in the new one
    path = write(
        tmp_path,
        Муниципалитеты=[
            ["KH-01", "Хабаровск", "городской округ"],
            ["KH-02", "Амурский район", "муниципальный район"],
        ],
        Организации=[["Хабаровск", "МБОУ СОШ № 1", "Средняя школа № 1 г. Хабаровска", "школа", ""]],
    )
    call_command(
        "create_region", code="R27", name="Хабаровский край", timezone="Asia/Vladivostok", structure=path
    )
    out = capsys.readouterr().out
    assert "Регион «Хабаровский край» (код R27) создан." in out
    region = Region.objects.get(code="R27")
    assert region.timezone == "Asia/Vladivostok"
    assert set(Municipality.objects.filter(region=region).values_list("name", flat=True)) == {
        "Хабаровск",
        "Амурский район",
    }
    assert Organization.objects.get(short_name="МБОУ СОШ № 1").municipality.region == region
    assert AuditEvent.objects.filter(verb="region_created").count() == 1


def test_a_structure_with_errors_leaves_no_region(tmp_path, capsys):
    path = write(
        tmp_path,
        Муниципалитеты=[["KH-01", "Хабаровск", "городской округ"]],
        Организации=[["Нигдеград", "Школа", "Школа в неизвестном МО", "школа", ""]],
    )
    with pytest.raises(CommandError, match="Регион не создан"):
        call_command("create_region", code="R27", name="Хабаровский край", structure=path)
    assert "Нигдеград" in capsys.readouterr().err
    assert not Region.objects.filter(code="R27").exists() and not Municipality.objects.exists()


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"code": "R1", "name": "Другая"}, "Регион с кодом «R1» уже есть"),
        ({"code": "R2", "name": "Первая область"}, "Регион «Первая область» уже есть"),
        ({"code": "R 2", "name": "Вторая"}, "Неверный код региона"),
        ({"code": "R2", "name": "Вторая", "timezone": "Mars/Olympus"}, "Неизвестный часовой пояс"),
        ({"code": "R2", "name": "Вторая", "structure": "/nonexistent.xlsx"}, "Файл не найден"),
    ],
)
def test_refusals(kwargs, message):
    RegionFactory(name="Первая область", code="R1")
    with pytest.raises(CommandError, match=message):
        call_command("create_region", **kwargs)
    assert Region.objects.count() == 1


def test_a_regions_roster_never_grants_the_federal_role(world):
    from cnppm import importers
    from cnppm.models import Person
    from tests.cnppm.factories import SubjectFactory
    from tests.cnppm.xlsx_helpers import roster_file, roster_row

    SubjectFactory(code="physics", name="физика")
    file = roster_file([roster_row(Роль="федеральный уровень")])
    report = importers.roster_import(actor=world["operator"].user, file=file)
    assert [e.message for e in report.errors] == [
        "«федеральный уровень»: федеральный уровень назначается только в администрировании портала"
    ]
    assert not Person.objects.filter(last_name="Петрова").exists()
