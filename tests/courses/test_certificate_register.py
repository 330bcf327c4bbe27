"""The certificate register (issue 12.4): the ФИС ФРДО export in the 40 columns of the template for ДПО
and its cells (a duplicate with its original's data), the export (page and API) logged as a
personal-data export and scoped to the exporter's region, the permission matrix of the register, its
export, one certificate, its PDF and the duplicate."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from cnppm.models import PersonalDataAccess
from courses import frdo
from courses.models import Certificate
from courses.services.certificates import certificate_duplicate_issue, certificates_issue
from tests.courses.certificate_data import programme, record
from tests.helpers import assert_matrix, login

REGISTER = {"operator", "regional_methodist"}


@pytest.fixture
def issued(world, monkeypatch):
    monkeypatch.setattr("courses.services.certificates.pdfs_queue", lambda certificates: [])
    teacher = world["teacher"]
    teacher.birth_date, teacher.sex, teacher.snils, teacher.citizenship, teacher.education = (
        date(1985, 4, 12),
        "female",
        "11223344595",
        "643",
        "higher",
    )
    teacher.save()
    prog = programme(world["m1"].region, form="mixed")
    r1 = record(teacher, prog, starts_on=date(2025, 12, 1), ends_on=date(2026, 3, 20))
    r2 = record(world["other_teacher"], prog)
    operator = world["operator"].user
    first, second = certificates_issue(actor=operator, records=[r1, r2], issued_on=date(2026, 3, 25))
    mine = first if first.holder_id == teacher.pk else second
    duplicate = certificate_duplicate_issue(
        actor=operator, certificate=mine, reason="Заявление об утрате", issued_on=date(2026, 4, 2)
    )
    return {"original": mine, "duplicate": duplicate}


def _sheet(content: bytes):
    ws = load_workbook(io.BytesIO(content)).active
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    return ws.title, rows[0], [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


# The 40 columns of the ФИС ФРДО template for ДПО, as the open-source generators and parsers of that
# template list them (sources in docs/frdo_template.md). Written out here, not read from courses.frdo,
# so that a change of the export's layout has to change this list too.
TEMPLATE_DPO = [
    "Вид документа",
    "Статус документа",
    "Подтверждение утраты",
    "Подтверждение обмена",
    "Подтверждение уничтожения",
    "Серия документа",
    "Номер документа",
    "Дата выдачи документа",
    "Регистрационный номер",
    "Дополнительная профессиональная программа (повышение квалификации/ профессиональная переподготовка)",
    "Наименование дополнительной профессиональной программы",
    "Наименование области профессиональной деятельности",
    "Укрупненные группы специальностей",
    "Наименование квалификации, профессии, специальности",
    "Уровень образования ВО/СПО",
    "Фамилия указанная в дипломе о ВО или СПО",
    "Серия документа о ВО/СПО",
    "Номер документа о ВО/СПО",
    "Год начала обучения (для документа о квалификации)",
    "Год окончания обучения (для документа о квалификации)",
    "Срок обучения, часов (для документа о квалификации)",
    "Фамилия получателя",
    "Имя получателя",
    "Отчество получателя",
    "Дата рождения получателя",
    "Пол получателя",
    "СНИЛС",
    "Форма обучения",
    "Источник финансирования обучения",
    "Форма получения образования на момент прекращения образовательных отношений",
    "Гражданство получателя (код страны по ОКСМ)",
    "Наименование документа об образовании (оригинала)",
    "Серия (оригинала)",
    "Номер (оригинала)",
    "Регистрационный N (оригинала)",
    "Дата выдачи (оригинала)",
    "Фамилия получателя (оригинала)",
    "Имя получателя (оригинала)",
    "Отчество получателя (оригинала)",
    "Номер документа для изменения",
]
ORIGINAL_COLUMNS = TEMPLATE_DPO[31:39]


def test_snils_check_sum():
    assert frdo.snils_valid("112-233-445 95")
    assert not frdo.snils_valid("112-233-445 96")
    assert frdo.snils_format("11223344595") == "112-233-445 95"


def test_register_export_in_the_template_layout_and_logged(client, world, issued):
    login(client, world["operator"])
    response = client.get(reverse("courses:certificate_register_xlsx"), {"year": 2026})
    assert response.status_code == 200
    title, header, rows = _sheet(response.content)
    assert title == "Шаблон"
    assert header == TEMPLATE_DPO
    assert [r["Регистрационный номер"] for r in rows] == ["ПК-2026-00001", "ПК-2026-00002", "ПК-2026-00003"]
    original = next(r for r in rows if r["Регистрационный номер"] == issued["original"].registration_number)
    duplicate = next(r for r in rows if r["Статус документа"] == "Дубликат")
    # The original replaced for a lost one: «Оригинал», the loss confirmed, nothing in the original's
    # columns (they are for a duplicate's row only).
    assert (original["Статус документа"], original["Подтверждение утраты"]) == ("Оригинал", "Да")
    assert all(original[c] is None for c in ORIGINAL_COLUMNS + ["Номер документа для изменения"])
    teacher = world["teacher"]
    assert {k: duplicate[k] for k in TEMPLATE_DPO if duplicate[k] is not None} == {
        "Вид документа": "Удостоверение о повышении квалификации",
        "Статус документа": "Дубликат",
        "Подтверждение утраты": "Нет",
        "Подтверждение обмена": "Нет",
        "Подтверждение уничтожения": "Нет",
        "Серия документа": issued["duplicate"].series,
        "Номер документа": issued["duplicate"].number or None,
        "Дата выдачи документа": "02.04.2026",
        "Регистрационный номер": issued["duplicate"].registration_number,
        TEMPLATE_DPO[9]: "Повышение квалификации",
        "Наименование дополнительной профессиональной программы": issued["original"].programme.title,
        "Наименование области профессиональной деятельности": "Образование и наука",
        "Уровень образования ВО/СПО": "Высшее образование",
        "Год начала обучения (для документа о квалификации)": 2025,
        "Год окончания обучения (для документа о квалификации)": 2026,
        "Срок обучения, часов (для документа о квалификации)": 36,
        "Фамилия получателя": teacher.last_name,
        "Имя получателя": teacher.first_name,
        "Отчество получателя": teacher.middle_name or None,
        "Дата рождения получателя": "12.04.1985",
        "Пол получателя": "Жен",
        "СНИЛС": "112-233-445 95",
        "Форма обучения": "Очно-заочная",
        "Источник финансирования обучения": "Бюджетное обучение",
        "Форма получения образования на момент прекращения образовательных отношений": (
            "в образовательной организации"
        ),
        "Гражданство получателя (код страны по ОКСМ)": "643",
        # The original's columns: the lost document as it was issued.
        "Наименование документа об образовании (оригинала)": "Удостоверение о повышении квалификации",
        "Серия (оригинала)": issued["original"].series,
        "Номер (оригинала)": issued["original"].number or None,
        "Регистрационный N (оригинала)": issued["original"].registration_number,
        "Дата выдачи (оригинала)": "25.03.2026",
        "Фамилия получателя (оригинала)": teacher.last_name,
        "Имя получателя (оригинала)": teacher.first_name,
        "Отчество получателя (оригинала)": teacher.middle_name or None,
    }
    log = PersonalDataAccess.objects.get(object_type="certificate_register")
    assert (log.action, log.records, log.actor_id) == ("export", 3, world["operator"].user_id)
    assert set(log.person_ids) == {world["teacher"].pk, world["other_teacher"].pk}


def test_blank_series_is_written_as_no(world, issued):
    """The template wants «Нет» in a series the form does not have, the original's too."""
    Certificate.objects.update(series="")
    duplicate = Certificate.objects.select_related("holder", "programme", "training_record", "original").get(
        pk=issued["duplicate"].pk
    )
    cells = dict(zip(TEMPLATE_DPO, frdo.row(duplicate), strict=True))
    assert (cells["Серия документа"], cells["Серия (оригинала)"]) == ("Нет", "Нет")


def test_api_export_is_the_same_file_and_logged(client, world, issued):
    login(client, world["regional_methodist"])
    response = client.get("/api/v1/courses/certificates/frdo/", {"year": 2026})
    assert response.status_code == 200
    title, header, rows = _sheet(response.content)
    assert (title, header, len(rows)) == ("Шаблон", TEMPLATE_DPO, 3)
    log = PersonalDataAccess.objects.get(object_type="certificate_register")
    assert (log.action, log.records, log.actor_id) == ("export", 3, world["regional_methodist"].user_id)


def test_register_export_is_scoped_to_the_region(client, two_regions, monkeypatch):
    """Each region's operator exports its own register: region 2's certificate of the same year is
    neither in region 1's file nor in its log row, and the other way round."""
    monkeypatch.setattr("courses.services.certificates.pdfs_queue", lambda certificates: [])
    r1, r2 = two_regions["r1"], two_regions["r2"]
    mine = record(r1["teacher"], programme(r1["m1"].region))
    theirs = record(r2["teacher"], programme(r2["region"]))
    certificates_issue(actor=r1["operator"].user, records=[mine], issued_on=date(2026, 3, 25))
    certificates_issue(actor=r2["operator"].user, records=[theirs], issued_on=date(2026, 3, 25))
    for who, holder, other in (
        (r1["operator"], r1["teacher"], r2["teacher"]),
        (r2["operator"], r2["teacher"], r1["teacher"]),
    ):
        login(client, who)
        response = client.get(reverse("courses:certificate_register_xlsx"), {"year": 2026})
        _, _, rows = _sheet(response.content)
        assert [r["Фамилия получателя"] for r in rows] == [holder.last_name]
        log = PersonalDataAccess.objects.filter(object_type="certificate_register", actor=who.user).get()
        assert (log.action, log.person_ids) == ("export", [holder.pk])
        assert other.pk not in log.person_ids


def test_register_page_lists_the_year_without_gaps(client, world, issued):
    login(client, world["regional_methodist"])
    page = client.get(reverse("courses:certificate_register"), {"year": 2026}).content.decode()
    assert "Номера реестра 2026 года идут без пропусков" in page
    assert "ПК-2026-00003" in page and "дубликат" in page


def test_permission_matrix(client, world, issued, monkeypatch):
    # Who may download is under test here, not the layout (test_certificates renders the PDF).
    monkeypatch.setattr("courses.views_certificates.certificate_pdf_bytes", lambda c: b"%PDF-1.7 test")
    assert_matrix(client, world, reverse("courses:certificate_register"), REGISTER)
    assert_matrix(client, world, reverse("courses:certificate_register_xlsx"), REGISTER)
    c = issued["duplicate"]  # the teacher's
    # The holder and everyone whose scope covers the teacher (not the other municipality, not the
    # expert, not the ministry).
    holder_scope = {"teacher", "mentor", "curator", "tutor", "school_head", "municipal_methodist"} | REGISTER
    assert_matrix(client, world, reverse("courses:certificate", args=[c.pk]), holder_scope)
    assert_matrix(client, world, reverse("courses:certificate_pdf", args=[c.pk]), holder_scope)
    other = Certificate.objects.get(holder=world["other_teacher"])
    assert_matrix(
        client,
        world,
        reverse("courses:certificate_duplicate", args=[other.pk]),
        {"operator"},
        method="post",
        data={"reason": "Заявление об утрате"},
        ok=(302,),
    )
    assert Certificate.objects.filter(original=other).count() == 1


def test_pdf_download_is_logged(client, world, issued, settings):
    login(client, world["school_head"])
    response = client.get(reverse("courses:certificate_pdf", args=[issued["duplicate"].pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    log = PersonalDataAccess.objects.get(object_type="certificate")
    assert log.action == "export" and log.person_ids == [world["teacher"].pk]


def test_record_page_issues_the_certificate(client, world, monkeypatch):
    monkeypatch.setattr("courses.services.certificates.pdfs_queue", lambda certificates: [])
    r = record(world["teacher"], programme(world["m1"].region))
    url = reverse("courses:record", args=[r.pk])
    login(client, world["teacher"])
    assert "Выдать удостоверение" not in client.get(url).content.decode()
    login(client, world["operator"])
    assert "Выдать удостоверение" in client.get(url).content.decode()
    response = client.post(reverse("courses:record_certificate_issue", args=[r.pk]))
    c = Certificate.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("courses:certificate", args=[c.pk])
    assert f"Удостоверение № {c.registration_number}" in client.get(url).content.decode()
    again = client.post(reverse("courses:record_certificate_issue", args=[r.pk]), follow=True)
    assert "удостоверение уже выдано" in again.content.decode()
