"""The imports hub: who may open it, uploads through the page, templates, credentials, and the
activation page that imported accounts' links lead to."""

import io

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from cnppm import importers
from cnppm.models import Person, PersonalDataAccess
from tests.cnppm.factories import SubjectFactory
from tests.cnppm.xlsx_helpers import roster_file, roster_row
from tests.helpers import assert_matrix, login

User = get_user_model()


@pytest.fixture(autouse=True)
def subjects(db):
    SubjectFactory(code="physics", name="физика")


def upload(client, url_name, content, *, prefix, dry_run=False, name="roster.xlsx"):
    file = io.BytesIO(content if isinstance(content, bytes) else content.getvalue())
    file.name = name
    data = {f"{prefix}-file": file}
    if dry_run:
        data[f"{prefix}-dry_run"] = "on"
    return client.post(reverse(url_name), data, follow=True)


def test_hub_matrix(client, world):
    assert_matrix(client, world, reverse("imports"), {"operator"})


@pytest.mark.parametrize(
    "url_name", ["imports_roster_template", "imports_structure_template", "imports_credentials"]
)
def test_downloads_matrix(client, world, url_name):
    assert_matrix(client, world, reverse(url_name), {"operator"}, ok=(200, 302))


def test_upload_endpoints_refuse_other_roles(client, world):
    assert_matrix(client, world, reverse("imports_roster"), {"operator"}, method="post", data={}, ok=(400,))
    assert_matrix(
        client, world, reverse("imports_structure"), {"operator"}, method="post", data={}, ok=(400,)
    )


def test_hub_shows_cards_and_other_apps_imports(client, world, monkeypatch):
    import routes.navigation

    monkeypatch.setattr(
        routes.navigation,
        "IMPORTS",
        [
            {
                "title": "Каталог мероприятий",
                "description": "Мероприятия для ИОМ",
                "url_name": "people_list",
                "template_url_name": "imports_roster_template",
            },
            {
                "title": "Сломанная карточка",
                "description": "",
                "url_name": "no-such-url",
                "template_url_name": "",
            },
        ],
        raising=False,
    )
    login(client, world["operator"])
    html = client.get(reverse("imports")).content.decode()
    assert "Реестр педагогов и сотрудников" in html and "Структура региона" in html
    assert "Скачать шаблон реестра (XLSX)" in html and "Скачать шаблон структуры (XLSX)" in html
    assert "Каталог мероприятий" in html and "Мероприятия для ИОМ" in html
    assert "Сломанная карточка" not in html
    assert 'for="id_roster-file">Файл XLSX</label>' in html


def test_roster_upload_success_then_credentials(client, world):
    login(client, world["operator"])
    response = upload(
        client,
        "imports_roster",
        roster_file([roster_row(), roster_row(Фамилия="Сидоров", Имя="Пётр", Email="")]),
        prefix="roster",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert (
        "Импорт выполнен: строк: 2, создано карточек: 2, обновлено: 0, без изменений: 0, создано учётных записей: 2."
        in html
    )
    assert "Создано учётных записей: 2. Скачайте файл учётных данных" in html
    assert 'id="pending-accounts">2<' in client.get(reverse("imports")).content.decode()
    assert Person.objects.filter(last_name__in=["Петрова", "Сидоров"]).count() == 2

    response = client.get(reverse("imports_credentials"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.values)
    assert {r[4] for r in rows[1:]} == {"petrova.as", "sidorov.ps"}
    link = next(r[5] for r in rows[1:] if r[4] == "petrova.as")
    assert link.startswith("http://testserver/accounts/activate/")
    log = PersonalDataAccess.objects.get(object_type="credentials")
    assert (log.action, log.records, log.actor) == ("export", 2, world["operator"].user)

    # The person follows the link, sets a password and is signed in.
    client.logout()
    path = link.removeprefix("http://testserver")
    page = client.get(path)
    assert "Задайте пароль" in page.content.decode() and "petrova.as" in page.content.decode()
    weak = client.post(path, {"new_password1": "123", "new_password2": "123"})
    assert weak.status_code == 200 and "aria-invalid" in weak.content.decode()
    done = client.post(path, {"new_password1": "Сложный-пароль-77", "new_password2": "Сложный-пароль-77"})
    assert done.status_code == 302
    user = User.objects.get(username="petrova.as")
    assert user.check_password("Сложный-пароль-77") and not user.must_change_password
    assert int(client.session["_auth_user_id"]) == user.pk
    # The link is spent.
    client.logout()
    again = client.get(path)
    assert again.status_code == 404 and "Ссылка недействительна" in again.content.decode()
    # And the hub no longer counts the account as pending.
    login(client, world["operator"])
    assert 'id="pending-accounts">1<' in client.get(reverse("imports")).content.decode()


def test_roster_upload_errors_are_listed(client, world):
    login(client, world["operator"])
    response = upload(
        client,
        "imports_roster",
        roster_file([roster_row(), roster_row(Муниципалитет="Марс", Email="x@example.ru")]),
        prefix="roster",
    )
    html = response.content.decode()
    # The import ran as a job; its page lists the errors with row and column.
    assert response.redirect_chain[-1][0].startswith("/imports/jobs/")
    assert "Найдено ошибок: 1. Ничего не записано." in html
    assert "<td>3</td><td>Муниципалитет</td><td>«Марс» нет в справочнике региона" in html
    assert not Person.objects.filter(email="petrova@example.ru").exists()


def test_roster_upload_dry_run(client, world):
    login(client, world["operator"])
    response = upload(client, "imports_roster", roster_file([roster_row()]), prefix="roster", dry_run=True)
    assert (
        "Проверка прошла успешно, ничего не записано: строк: 1, будет создано карточек: 1"
        in response.content.decode()
    )
    assert not Person.objects.filter(email="petrova@example.ru").exists()


def test_broken_file_and_oversize_message(client, world, settings):
    login(client, world["operator"])
    response = upload(client, "imports_roster", b"not an xlsx at all", prefix="roster", name="roster.xlsx")
    assert (
        response.status_code == 200 and "Файл не загружен, ничего не записано." in response.content.decode()
    )
    assert "это не книга Excel (XLSX) или файл повреждён" in response.content.decode()
    settings.IMPORT_MAX_BYTES = 100
    response = upload(client, "imports_structure", roster_file([roster_row()]), prefix="structure")
    assert response.status_code == 400 and "Файл слишком большой" in response.content.decode()


def test_structure_upload(client, world):
    from tests.cnppm.xlsx_helpers import workbook_bytes

    login(client, world["operator"])
    content = workbook_bytes(
        {
            "Организации": [
                list(importers.STRUCTURE_SHEETS["Организации"]),
                ["Первый район", "Школа 7", "", "школа", "нет"],
            ]
        }
    )
    response = upload(client, "imports_structure", content, prefix="structure")
    assert "Импорт выполнен: строк: 1" in response.content.decode()
    assert "организаций создано: 1" in response.content.decode()


def test_template_download_is_xlsx(client, world):
    login(client, world["operator"])
    response = client.get(reverse("imports_roster_template"))
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    assert [c.value for c in wb["Реестр"][1]] == list(importers.ROSTER_COLUMNS)
    assert 'filename="roster-template.xlsx"' in response["Content-Disposition"]


def test_credentials_with_nothing_pending(client, world):
    login(client, world["operator"])
    response = client.get(reverse("imports_credentials"), follow=True)
    assert "Все импортированные учётные записи уже активированы" in response.content.decode()


def test_activation_link_with_garbage(client, db):
    response = client.get(reverse("account_activate", kwargs={"uidb36": "zzzzzz", "token": "abc-def"}))
    assert response.status_code == 404 and "Ссылка недействительна" in response.content.decode()
