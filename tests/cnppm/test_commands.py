"""The import commands from the shell: the same services, messages and refusals as the page."""

import io

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from cnppm import importers
from cnppm.models import Organization, Person
from tests.cnppm.factories import SubjectFactory
from tests.cnppm.xlsx_helpers import roster_file, roster_row, workbook_bytes


@pytest.fixture(autouse=True)
def subjects(db):
    SubjectFactory(code="physics", name="физика")


def write(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.getvalue())
    return str(path)


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_roster_dry_run_then_real_with_credentials(world, tmp_path):
    path = write(
        tmp_path, "roster.xlsx", roster_file([roster_row(), roster_row(Фамилия="Сидоров", Email="")])
    )
    out, _ = run("import_roster", path, "--dry-run")
    assert "Проверка прошла успешно, ничего не записано: строк: 2, будет создано карточек: 2" in out
    assert not Person.objects.filter(last_name="Сидоров").exists()

    credentials = tmp_path / "credentials.xlsx"
    out, _ = run(
        "import_roster", path, "--credentials", str(credentials), "--base-url", "https://cnppm.example.ru"
    )
    assert "Импорт выполнен: строк: 2, создано карточек: 2" in out
    assert f"Учётные данные (2) записаны в {credentials}" in out
    rows = list(openpyxl.load_workbook(credentials).active.values)
    assert {r[4] for r in rows[1:]} == {"petrova.as", "sidorov.as"}
    assert all(r[5].startswith("https://cnppm.example.ru/accounts/activate/") for r in rows[1:])

    out, _ = run("import_roster", path)
    assert "создано карточек: 0, обновлено: 0, без изменений: 2, создано учётных записей: 0" in out
    assert Person.objects.filter(last_name__in=["Петрова", "Сидоров"]).count() == 2


def test_import_roster_errors_are_printed_and_nothing_written(world, tmp_path):
    path = write(
        tmp_path,
        "roster.xlsx",
        roster_file([roster_row(), roster_row(Организация="Нет такой", Email="x@example.ru")]),
    )
    err = io.StringIO()
    with pytest.raises(CommandError, match="Найдено ошибок: 1. Ничего не записано."):
        call_command("import_roster", path, stdout=io.StringIO(), stderr=err)
    assert (
        "строка 3, столбец «Организация»: «Нет такой» не найдена в муниципалитете «Первый район»"
        in err.getvalue()
    )
    assert not Person.objects.filter(email="petrova@example.ru").exists()


def test_import_roster_refuses_bad_files(world, tmp_path):
    with pytest.raises(CommandError, match="Файл не найден"):
        run("import_roster", str(tmp_path / "missing.xlsx"))
    path = write(tmp_path, "fake.xlsx", b"name;surname\n")
    with pytest.raises(CommandError, match="не книга Excel"):
        run("import_roster", path)
    path = write(tmp_path, "cols.xlsx", workbook_bytes({"Реестр": [["Фамилия", "Имя"], ["Петрова", "Анна"]]}))
    with pytest.raises(CommandError, match="нет обязательных столбцов: Муниципалитет, Организация, Отчество"):
        run("import_roster", path)
    with pytest.raises(CommandError, match="Регион с кодом «XX» не найден"):
        run("import_roster", path, "--region", "XX")


def test_import_structure(world, tmp_path):
    content = workbook_bytes(
        {
            "Организации": [
                list(importers.STRUCTURE_SHEETS["Организации"]),
                ["Второй район", "Школа 8", "МБОУ СОШ № 8", "школа", "да"],
            ]
        }
    )
    path = write(tmp_path, "structure.xlsx", content)
    out, _ = run("import_structure", path, "--dry-run")
    assert "Проверка прошла успешно" in out and not Organization.objects.filter(short_name="Школа 8").exists()
    out, _ = run("import_structure", path)
    assert "организаций создано: 1" in out
    assert Organization.objects.get(short_name="Школа 8").municipality == world["m2"]


def test_import_structure_errors(world, tmp_path):
    content = workbook_bytes(
        {
            "Статистика": [
                list(importers.STRUCTURE_SHEETS["Статистика"]),
                ["Первый район", "прошлый", 1, 1, 1, 1, 1],
            ]
        }
    )
    path = write(tmp_path, "structure.xlsx", content)
    err = io.StringIO()
    with pytest.raises(CommandError, match="Найдено ошибок: 1"):
        call_command("import_structure", path, stdout=io.StringIO(), stderr=err)
    assert "лист «Статистика», строка 2, столбец «Год»" in err.getvalue()
