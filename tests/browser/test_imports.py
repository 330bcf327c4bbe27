"""The operator imports a roster through chromium: template download, a file with errors (listed,
nothing written), a good file, the credentials file; the new teacher activates the account by the
link and lands in the cabinet."""

import openpyxl
import pytest

from cnppm.models import Person
from tests.cnppm.factories import SubjectFactory
from tests.cnppm.xlsx_helpers import roster_file, roster_row

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_operator_imports_a_roster_and_the_teacher_activates(page, sign_in, shots, world, tmp_path):
    from playwright.sync_api import expect

    SubjectFactory(code="physics", name="физика")
    sign_in(world["operator"])
    page.get_by_role("link", name="Импорт").click()
    expect(page.get_by_role("heading", name="Импорт данных")).to_be_visible()

    with page.expect_download() as download:
        page.get_by_role("link", name="Скачать шаблон реестра (XLSX)").click()
    with open(download.value.path(), "rb") as fh:
        template = openpyxl.load_workbook(fh)
        assert template["Реестр"]["A1"].value == "Муниципалитет"

    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(
        roster_file([roster_row(), roster_row(Муниципалитет="Марс", Email="m@example.ru")]).getvalue()
    )
    page.get_by_label("Файл XLSX").first.set_input_files(str(bad))
    page.get_by_role("button", name="Загрузить реестр").click()
    expect(page.get_by_role("alert").first).to_contain_text("Найдено ошибок: 1. Ничего не записано.")
    row = page.locator("table.import-errors tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("3")
    expect(row).to_contain_text("Муниципалитет")
    expect(row).to_contain_text("«Марс» нет в справочнике региона")
    assert not Person.objects.filter(email="petrova@example.ru").exists()

    good = tmp_path / "good.xlsx"
    good.write_bytes(roster_file([roster_row()]).getvalue())
    page.get_by_role("link", name="К странице импорта").click()  # the upload ran as a job on its own page
    page.get_by_label("Файл XLSX").first.set_input_files(str(good))
    page.get_by_role("button", name="Загрузить реестр").click()
    expect(page.get_by_role("status").first).to_contain_text("Импорт выполнен: строк: 1, создано карточек: 1")
    page.get_by_role("link", name="К странице импорта").click()
    expect(page.locator("#pending-accounts")).to_have_text("1")
    shots("operator-import-done")

    with page.expect_download() as download:
        page.get_by_role("link", name="Скачать учётные данные").click()
    with open(download.value.path(), "rb") as fh:
        rows = list(openpyxl.load_workbook(fh).active.values)
    assert rows[1][2] == "Петрова Анна Сергеевна" and rows[1][4] == "petrova.as"
    link = rows[1][5]

    page.get_by_role("button", name="Выйти").click()
    page.goto(link)
    expect(page.get_by_role("heading", name="Задайте пароль")).to_be_visible()
    page.get_by_label("Новый пароль", exact=True).fill("Физика-и-лирика-2025")
    page.get_by_label("Подтверждение нового пароля").fill("Физика-и-лирика-2025")
    page.get_by_role("button", name="Сохранить пароль и войти").click()
    expect(page.get_by_role("heading", name="Личный кабинет")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Петрова Анна Сергеевна")
