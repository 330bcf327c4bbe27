"""The certificate register (issue 12.4): the ФИС ФРДО export's columns and cells (a duplicate with
its original's data), the export logged as a personal-data export, the permission matrix of the
register, its export, one certificate, its PDF and the duplicate."""

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
    teacher.birth_date, teacher.sex, teacher.snils, teacher.citizenship = (
        date(1985, 4, 12),
        "female",
        "11223344595",
        "643",
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


def test_snils_check_sum():
    assert frdo.snils_valid("112-233-445 95")
    assert not frdo.snils_valid("112-233-445 96")
    assert frdo.snils_format("11223344595") == "112-233-445 95"


def test_register_export_in_frdo_columns_and_logged(client, world, issued):
    login(client, world["operator"])
    response = client.get(reverse("courses:certificate_register_xlsx"), {"year": 2026})
    assert response.status_code == 200
    title, header, rows = _sheet(response.content)
    assert title == "ДПО"
    assert header[:10] == [
        "Название документа",
        "Вид документа",
        "Статус документа",
        "Подтверждение утраты",
        "Подтверждение обмена",
        "Подтверждение уничтожения",
        "Серия документа",
        "Номер документа",
        "Дата выдачи документа",
        "Регистрационный номер",
    ]
    assert [r["Регистрационный номер"] for r in rows] == ["ПК-2026-00001", "ПК-2026-00002", "ПК-2026-00003"]
    original = next(r for r in rows if r["Регистрационный номер"] == issued["original"].registration_number)
    duplicate = next(r for r in rows if r["Статус документа"] == "Дубликат")
    assert original["Подтверждение утраты"] == "Да"
    assert duplicate["Подтверждение утраты"] == "Нет"
    assert {
        k: duplicate[k]
        for k in (
            "Фамилия получателя",
            "Дата рождения получателя",
            "Пол получателя",
            "СНИЛС",
            "Гражданство получателя (код страны по ОКСМ)",
            "Форма обучения",
            "Срок обучения, часов",
            "Год поступления на обучение",
            "Год окончания обучения",
            "Дата выдачи документа",
            "Регистрационный N (оригинала)",
            "Дата выдачи (оригинала)",
            "Источник финансирования обучения",
        )
    } == {
        "Фамилия получателя": world["teacher"].last_name,
        "Дата рождения получателя": "12.04.1985",
        "Пол получателя": "Жен",
        "СНИЛС": "112-233-445 95",
        "Гражданство получателя (код страны по ОКСМ)": "643",
        "Форма обучения": "Очно-заочная",
        "Срок обучения, часов": 36,
        "Год поступления на обучение": 2025,
        "Год окончания обучения": 2026,
        "Дата выдачи документа": "02.04.2026",
        "Регистрационный N (оригинала)": issued["original"].registration_number,
        "Дата выдачи (оригинала)": "25.03.2026",
        "Источник финансирования обучения": "За счет бюджетных ассигнований бюджетов субъектов Российской Федерации",
    }
    log = PersonalDataAccess.objects.get(object_type="certificate_register")
    assert (log.action, log.records, log.actor_id) == ("export", 3, world["operator"].user_id)
    assert set(log.person_ids) == {world["teacher"].pk, world["other_teacher"].pk}


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
