"""The operator loads the history before the portal (issue 10.2) through chromium: the imports page
lists it with its template, the upload runs as a job whose page shows the result."""

import openpyxl
import pytest

from routes.history import SHEETS
from routes.models import Route
from tests.monitoring.factories import attempt, block
from tests.routes.history_files import history_file

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_operator_loads_past_routes(page, sign_in, world, tmp_path):
    from playwright.sync_api import expect

    block("ict", "ИКТ-компетентность")
    attempt(world["teacher"], on="2022-02-01", results={"ict": "high"})
    sign_in(world["operator"])
    page.get_by_role("link", name="Импорт").click()
    card = page.locator(
        "section", has=page.get_by_role("heading", name="История: диагностика и ИОМ прошлых лет")
    )
    with page.expect_download() as download:
        card.get_by_role("link", name="Скачать шаблон (XLSX)").click()
    with open(download.value.path(), "rb") as fh:
        assert openpyxl.load_workbook(fh).sheetnames[:3] == list(SHEETS)

    file = tmp_path / "history.xlsx"
    who = {"Муниципалитет": "Первый район", "Организация": "Школа 1", "Email": world["teacher"].email}
    route = {**who, "Учебный год": "2021/2022", "Создан": "03.02.2022", "Подан куратору": "04.02.2022"}
    file.write_bytes(history_file(routes=[route]).getvalue())
    card.get_by_label("Файл XLSX").set_input_files(str(file))
    card.get_by_role("button", name="Загрузить историю").click()
    expect(page.get_by_role("status").first).to_contain_text("Импорт выполнен")
    expect(page.get_by_role("status").first).to_contain_text("ИОМ добавлено: 1")
    assert Route.objects.get(teacher=world["teacher"]).submitted_at.date().isoformat() == "2022-02-04"
