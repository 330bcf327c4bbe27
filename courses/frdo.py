"""The register of certificates as the federal register of documents on training (ФИС ФРДО) takes it
for additional professional programmes: one row per document in the column layout of the register's
template «ДПО» (document name, kind and status, loss/exchange confirmations, series, number, issue
date, registration number, programme, hours, years of start and end, the holder's name, date of birth,
sex, СНИЛС, form of study, source of funding, citizenship, and for a duplicate the original's data).

Pure rendering of rows given to it: the caller scopes the certificates and logs the export (it lists
personal data)."""

from __future__ import annotations

import re

from cnppm.choices import Sex
from cnppm.xlsx import new_workbook, workbook_bytes

from .choices import CertificateStatus, FundingSource, ProgrammeForm

SHEET = "ДПО"
DOCUMENT_NAME = "Удостоверение о повышении квалификации"
DOCUMENT_KIND = "Удостоверение о повышении квалификации"
PROGRAMME_KIND = "Повышение квалификации"

# (header, width) in the order of the ФИС ФРДО template for additional professional programmes.
COLUMNS: tuple[tuple[str, int], ...] = (
    ("Название документа", 30),
    ("Вид документа", 30),
    ("Статус документа", 12),
    ("Подтверждение утраты", 12),
    ("Подтверждение обмена", 12),
    ("Подтверждение уничтожения", 12),
    ("Серия документа", 12),
    ("Номер документа", 14),
    ("Дата выдачи документа", 14),
    ("Регистрационный номер", 18),
    ("Дополнительная профессиональная программа (наименование)", 50),
    ("Наименование области профессиональной деятельности", 24),
    ("Вид дополнительной профессиональной программы", 22),
    ("Срок обучения, часов", 10),
    ("Год поступления на обучение", 10),
    ("Год окончания обучения", 10),
    ("Фамилия получателя", 20),
    ("Имя получателя", 16),
    ("Отчество получателя", 20),
    ("Дата рождения получателя", 14),
    ("Пол получателя", 8),
    ("СНИЛС", 16),
    ("Форма обучения", 14),
    ("Источник финансирования обучения", 30),
    ("Гражданство получателя (код страны по ОКСМ)", 12),
    ("Наименование документа об образовании (оригинала)", 30),
    ("Серия (оригинала)", 12),
    ("Номер (оригинала)", 14),
    ("Регистрационный N (оригинала)", 18),
    ("Дата выдачи (оригинала)", 14),
    ("Фамилия получателя (оригинала)", 20),
    ("Имя получателя (оригинала)", 16),
    ("Отчество получателя (оригинала)", 20),
)
HEADERS = [h for h, _ in COLUMNS]

FORM_OF_STUDY = {
    ProgrammeForm.IN_PERSON: "Очная",
    ProgrammeForm.MIXED: "Очно-заочная",
    ProgrammeForm.DISTANCE: "Заочная",
}
FUNDING = {
    FundingSource.FEDERAL_BUDGET: "За счет бюджетных ассигнований федерального бюджета",
    FundingSource.REGIONAL_BUDGET: "За счет бюджетных ассигнований бюджетов субъектов Российской Федерации",
    FundingSource.LOCAL_BUDGET: "За счет бюджетных ассигнований местных бюджетов",
    FundingSource.PAID: "По договорам об оказании платных образовательных услуг",
}
SEX = {Sex.MALE: "Муж", Sex.FEMALE: "Жен"}


def split_name(full_name: str) -> tuple[str, str, str]:
    """«Фамилия Имя Отчество» as printed on the document → its three parts (the patronymic may have
    several words: «Оглы», «Кызы»)."""
    parts = full_name.split()
    return (
        parts[0] if parts else "",
        parts[1] if len(parts) > 1 else "",
        " ".join(parts[2:]),
    )


def snils_format(value: str) -> str:
    """СНИЛС as the register writes it, «123-456-789 01», from any spacing of its 11 digits."""
    digits = re.sub(r"\D", "", value or "")
    if len(digits) != 11:
        return value or ""
    return f"{digits[:3]}-{digits[3:6]}-{digits[6:9]} {digits[9:]}"


def snils_valid(value: str) -> bool:
    """11 digits whose last two are the check sum of the first nine (Пенсионный фонд's rule)."""
    digits = re.sub(r"\D", "", value or "")
    if len(digits) != 11:
        return False
    body, check = digits[:9], int(digits[9:])
    total = sum(int(d) * (9 - i) for i, d in enumerate(body))
    if total > 101:
        total %= 101
    expected = 0 if total in (100, 101) else total
    return expected == check


def _d(value) -> str:
    return value.strftime("%d.%m.%Y") if value else ""


def row(certificate) -> list:
    """One register row. `certificate` comes with holder, programme, training record and original."""
    holder = certificate.holder
    record = certificate.training_record
    programme = certificate.programme
    last, first, middle = split_name(certificate.holder_name)
    lost = certificate.status == CertificateStatus.REPLACED
    original = certificate.original if certificate.is_duplicate else None
    o_last, o_first, o_middle = split_name(original.holder_name) if original else ("", "", "")
    return [
        DOCUMENT_NAME,
        DOCUMENT_KIND,
        "Дубликат" if certificate.is_duplicate else "Оригинал",
        "Да" if lost else "Нет",
        "Нет",
        "Нет",
        certificate.series,
        certificate.number,
        _d(certificate.issued_on),
        certificate.registration_number,
        programme.title if programme else record.title,
        "Образование и наука",
        PROGRAMME_KIND,
        programme.hours if programme else record.hours,
        record.starts_on.year,
        record.ends_on.year,
        last,
        first,
        middle,
        _d(holder.birth_date),
        SEX.get(holder.sex, ""),
        snils_format(holder.snils),
        FORM_OF_STUDY.get(programme.form, "") if programme else "",
        FUNDING.get(programme.funding_source, "") if programme else "",
        holder.citizenship,
        DOCUMENT_NAME if original else "",
        original.series if original else "",
        original.number if original else "",
        original.registration_number if original else "",
        _d(original.issued_on) if original else "",
        o_last,
        o_first,
        o_middle,
    ]


def register_xlsx(certificates) -> bytes:
    """The workbook: sheet «ДПО» with the header row and one row per certificate, every cell inert."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = new_workbook()
    ws = wb.active
    ws.title = SHEET
    ws.append(HEADERS)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for certificate in certificates:
        ws.append(row(certificate))
    for i, (_, width) in enumerate(COLUMNS, 1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    return workbook_bytes(wb)
