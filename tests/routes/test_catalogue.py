"""The activity catalogue: who edits what, the XLSX import (all or nothing, row/column errors),
the template, the management command, and the list's query budget."""

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from routes.importers import HEADERS
from routes.models import Activity
from routes.navigation import IMPORTS
from tests.cnppm.factories import SubjectFactory
from tests.helpers import assert_matrix, assert_same_queries, count_queries, login
from tests.routes.factories import ActivityFactory, teacher_blocks


def xlsx(rows, headers=HEADERS) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(list(headers))
    for row in rows:
        ws.append(row)
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()


def row(**over):
    base = {
        "Вид": "семинар",
        "Название": "Семинар «Функциональная грамотность»",
        "Описание": "",
        "Компетенции": "methodical; Предметные",
        "Предметные области": "physics",
        "Уровень": "региональный",
        "Формат": "очно",
        "Организатор": "ЦНППМ",
        "Муниципалитет": "",
        "Начало": "01.03.2026",
        "Окончание": "02.03.2026",
        "Часов": 8,
        "В федеральном реестре": "нет",
        "Номер в реестре": "",
        "Аудитория": "учителя физики",
    }
    base.update(over)
    return [base[h] for h in HEADERS]


@pytest.fixture
def refs(db):
    teacher_blocks()
    SubjectFactory(code="physics", name="Физика")


def upload(client, data):
    return client.post(
        reverse("routes:catalogue_import"),
        {"file": SimpleUploadedFile("c.xlsx", data)},
        follow=True,
    )


def test_import_creates_all_rows(world, refs, client):
    login(client, world["operator"])
    data = xlsx(
        [
            row(),
            row(
                **{
                    "Название": "ДПП ПК «Цифровая лаборатория»",
                    "Вид": "qualification",
                    "В федеральном реестре": "да",
                    "Номер в реестре": "ФР-1",
                }
            ),
        ]
    )
    html = upload(client, data).content.decode()
    assert "Импорт выполнен: добавлено мероприятий — 2." in html
    a = Activity.objects.get(title="Семинар «Функциональная грамотность»")
    assert {c.code for c in a.competences.all()} == {"methodical", "subject"}
    assert [s.code for s in a.subjects.all()] == ["physics"] and a.hours == 8 and a.level == "regional"
    assert Activity.objects.get(registry_number="ФР-1").in_federal_registry


def test_import_is_all_or_nothing_with_row_and_column(world, refs, client):
    login(client, world["operator"])
    data = xlsx(
        [row(), row(**{"Уровень": "галактический", "Начало": "вчера"}), row(**{"Компетенции": "астрология"})]
    )
    html = upload(client, data).content.decode()
    assert "Импорт отменён, ничего не добавлено. Ошибок: 3." in html
    assert "Строка 3, столбец «Уровень»: «галактический» — нет такого значения" in html
    assert "Строка 3, столбец «Начало»: «вчера» — не дата (нужно ДД.ММ.ГГГГ)" in html
    assert "Строка 4, столбец «Компетенции»: «астрология» — нет такого блока компетенций" in html
    assert not Activity.objects.exists()


def test_import_refuses_broken_file_and_wrong_columns(world, refs, client):
    login(client, world["operator"])
    assert "Файл не читается как XLSX" in upload(client, b"not a zip").content.decode()
    html = upload(client, xlsx([["x"]], headers=["Что-то"])).content.decode()
    assert "Нет обязательного столбца «Вид»." in html and "Неизвестные столбцы: «Что-то»" in html
    assert not Activity.objects.exists()


def test_municipal_methodist_imports_only_own_municipal(world, refs, client):
    login(client, world["municipal_methodist"])
    html = upload(client, xlsx([row()])).content.decode()
    assert "Строка 2: представитель ММС вносит только муниципальные мероприятия своего муниципалитета" in html
    html = upload(client, xlsx([row(**{"Уровень": "муниципальный", "Муниципалитет": "M1"})])).content.decode()
    assert "добавлено мероприятий — 1" in html
    assert Activity.objects.get().municipality == world["m1"]


def test_template_download_and_command(world, refs, client, tmp_path):
    login(client, world["operator"])
    r = client.get(reverse("routes:catalogue_template"))
    wb = load_workbook(BytesIO(b"".join(r.streaming_content) if r.streaming else r.content))
    assert [c.value for c in wb["Мероприятия"][1]] == HEADERS
    assert "subject" in [c.value for c in wb["Справочник"]["A"]]
    path = tmp_path / "cat.xlsx"
    path.write_bytes(xlsx([row()]))
    call_command("import_catalogue", str(path), user="operator")
    assert Activity.objects.count() == 1
    path.write_bytes(xlsx([row(**{"Организатор": ""})]))
    with pytest.raises(CommandError, match="ничего не добавлено"):
        call_command("import_catalogue", str(path), user="operator")
    assert Activity.objects.count() == 1
    assert IMPORTS[0]["url_name"] == "routes:catalogue_import"
    assert IMPORTS[0]["template_url_name"] == "routes:catalogue_template"


def test_editing_rights(world, refs, client):
    blocks = teacher_blocks()
    regional = ActivityFactory(title="Региональный курс", competences=[blocks[0]])
    own = ActivityFactory(
        title="Семинар М1", level="municipal", municipality=world["m1"], competences=[blocks[0]]
    )
    foreign = ActivityFactory(
        title="Семинар М2", level="municipal", municipality=world["m2"], competences=[blocks[0]]
    )
    url = lambda a: reverse("routes:catalogue_edit", args=[a.pk])  # noqa: E731
    assert_matrix(client, world, url(own), {"operator", "municipal_methodist"})
    assert_matrix(client, world, url(foreign), {"operator", "other_municipal_methodist"})
    assert_matrix(client, world, url(regional), {"operator"})
    assert_matrix(
        client,
        world,
        reverse("routes:catalogue_import"),
        {"operator", "municipal_methodist", "other_municipal_methodist"},
    )
    login(client, world["municipal_methodist"])
    html = client.get(reverse("routes:catalogue")).content.decode()
    assert html.count("Изменить<span") == 1  # only their own municipal seminar


def test_create_via_page_and_validation(world, refs, client):
    blocks = teacher_blocks()
    login(client, world["operator"])
    data = {
        "kind": "qualification",
        "title": "ДПП ПК «Наставничество»",
        "competences": [blocks[1].pk],
        "level": "regional",
        "format": "distance",
        "organizer": "ЦНППМ",
        "in_federal_registry": "on",
        "registry_number": "",
        "is_active": "on",
    }
    html = client.post(reverse("routes:catalogue_create"), data, follow=True).content.decode()
    assert "для программы из федерального реестра укажите номер в реестре" in html
    assert not Activity.objects.exists()
    html = client.post(
        reverse("routes:catalogue_create"), {**data, "registry_number": "ФР-77"}, follow=True
    ).content.decode()
    assert "Мероприятие «ДПП ПК «Наставничество»» добавлено в каталог." in html
    assert "№ ФР-77" in html


def test_catalogue_list_query_count(world, refs, client):
    blocks = teacher_blocks()
    login(client, world["teacher"])
    ActivityFactory(competences=[blocks[0]])
    client.get(reverse("routes:catalogue"))
    small = count_queries(lambda: client.get(reverse("routes:catalogue")))
    for i in range(6):
        ActivityFactory(competences=blocks[: i % 4 + 1], title=f"Мероприятие {i}")
    large = count_queries(lambda: client.get(reverse("routes:catalogue")))
    assert_same_queries(small, large)
    html = client.get(reverse("routes:catalogue")).content.decode()
    assert "Найдено: 7" in html
