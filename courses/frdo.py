"""The register of certificates as the federal register of documents on training (ФИС ФРДО) takes it
for additional professional programmes: one row per document in the 40 columns of the register's
template for ДПО («Шаблон ДПО»), in its order and with its headers.

The layout was checked against open-source generators and parsers of that template (no copy of the
official workbook could be opened): the same 40 headers in the same order in
shafranovskijm-pixel/synthagma-ver-0.1 src/utils/frdoExcelExport.ts (DPO_HEADERS, with its drop-down
lists), in a Django exporter (reporting/services/frdo_export.py, HEADERS_PILOT), in
vanich12/Students.Server (FRDOModel, Client/src/storage/models/report.js) and by column number in
etrehappy/otus_simple_js_frdo script.js (a working register of 2025: 1 kind … 31 citizenship,
32–39 the original's data, 40 the number of the record to change). Values: kind, status «Оригинал» /
«Дубликат», «Да» / «Нет», «Повышение квалификации», «Муж» / «Жен», the three forms of study, the
funding and the form of obtaining education come from those drop-down lists; СНИЛС «123-456-789 01»,
dates dd.mm.yyyy and the sheet «Шаблон» from the checker of the official СПО and ПО templates (the
same register's sibling files). docs/frdo_template.md lists what is still unverified.

Pure rendering of rows given to it: the caller scopes the certificates and logs the export (it lists
personal data)."""

from __future__ import annotations

import re

from cnppm.choices import Education, Sex
from cnppm.xlsx import new_workbook, workbook_bytes

from .choices import CertificateStatus, FundingSource, ProgrammeForm

SHEET = "Шаблон"
DOCUMENT_KIND = "Удостоверение о повышении квалификации"
PROGRAMME_KIND = "Повышение квалификации"
# Every programme of the Centre trains teachers: the area from the Ministry of Labour's list of areas
# of professional activity (01 «Образование и наука»).
PROFESSIONAL_AREA = "Образование и наука"
YES, NO = "Да", "Нет"
# What the template wants in a series (or the original's series) when the form has none.
NO_SERIES = "Нет"
# Every group of the Centre is taught by the Centre itself (not by self-education, family education).
EDUCATION_FORM = "в образовательной организации"

# (header, width) in the order of the template's columns 1–40.
COLUMNS: tuple[tuple[str, int], ...] = (
    ("Вид документа", 30),
    ("Статус документа", 12),
    ("Подтверждение утраты", 12),
    ("Подтверждение обмена", 12),
    ("Подтверждение уничтожения", 12),
    ("Серия документа", 12),
    ("Номер документа", 14),
    ("Дата выдачи документа", 14),
    ("Регистрационный номер", 18),
    (
        "Дополнительная профессиональная программа (повышение квалификации/ профессиональная переподготовка)",
        22,
    ),
    ("Наименование дополнительной профессиональной программы", 50),
    ("Наименование области профессиональной деятельности", 24),
    ("Укрупненные группы специальностей", 20),
    ("Наименование квалификации, профессии, специальности", 20),
    ("Уровень образования ВО/СПО", 20),
    ("Фамилия указанная в дипломе о ВО или СПО", 20),
    ("Серия документа о ВО/СПО", 12),
    ("Номер документа о ВО/СПО", 14),
    ("Год начала обучения (для документа о квалификации)", 10),
    ("Год окончания обучения (для документа о квалификации)", 10),
    ("Срок обучения, часов (для документа о квалификации)", 10),
    ("Фамилия получателя", 20),
    ("Имя получателя", 16),
    ("Отчество получателя", 20),
    ("Дата рождения получателя", 14),
    ("Пол получателя", 8),
    ("СНИЛС", 16),
    ("Форма обучения", 14),
    ("Источник финансирования обучения", 18),
    ("Форма получения образования на момент прекращения образовательных отношений", 24),
    ("Гражданство получателя (код страны по ОКСМ)", 12),
    ("Наименование документа об образовании (оригинала)", 30),
    ("Серия (оригинала)", 12),
    ("Номер (оригинала)", 14),
    ("Регистрационный N (оригинала)", 18),
    ("Дата выдачи (оригинала)", 14),
    ("Фамилия получателя (оригинала)", 20),
    ("Имя получателя (оригинала)", 16),
    ("Отчество получателя (оригинала)", 20),
    ("Номер документа для изменения", 16),
)
HEADERS = [h for h, _ in COLUMNS]
# The columns filled from the original certificate on a duplicate's row (blank on an original's row).
ORIGINAL_HEADERS = HEADERS[31:39]

# The template lists three forms only (273-ФЗ ст. 17): a distance programme has no contact hours and
# is the nearest to «Заочная»; a mixed one (part in class, part remote) is «Очно-заочная».
FORM_OF_STUDY = {
    ProgrammeForm.IN_PERSON: "Очная",
    ProgrammeForm.MIXED: "Очно-заочная",
    ProgrammeForm.DISTANCE: "Заочная",
}
# The template's list has two values; which budget paid stays on the programme's card.
FUNDING = {
    FundingSource.FEDERAL_BUDGET: "Бюджетное обучение",
    FundingSource.REGIONAL_BUDGET: "Бюджетное обучение",
    FundingSource.LOCAL_BUDGET: "Бюджетное обучение",
    FundingSource.PAID: "Платное обучение",
}
SEX = {Sex.MALE: "Муж", Sex.FEMALE: "Жен"}
# The holder's own education (the profile's field); «иное» has no value in the template's list.
EDUCATION_LEVEL = {
    Education.HIGHER: "Высшее образование",
    Education.SECONDARY_VOCATIONAL: "Среднее профессиональное образование",
}


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


def _original(original) -> dict:
    """The columns 32–39 of a duplicate's row: the original document as it was issued."""
    if original is None:
        return dict.fromkeys(ORIGINAL_HEADERS, "")
    last, first, middle = split_name(original.holder_name)
    return dict(
        zip(
            ORIGINAL_HEADERS,
            (
                DOCUMENT_KIND,
                original.series or NO_SERIES,
                original.number,
                original.registration_number,
                _d(original.issued_on),
                last,
                first,
                middle,
            ),
            strict=True,
        )
    )


def row(certificate) -> list:
    """One register row. `certificate` comes with holder, programme, training record and original."""
    holder = certificate.holder
    record = certificate.training_record
    programme = certificate.programme
    last, first, middle = split_name(certificate.holder_name)
    cells = {
        "Вид документа": DOCUMENT_KIND,
        "Статус документа": "Дубликат" if certificate.is_duplicate else "Оригинал",
        # The original replaced by a duplicate for a lost one carries the confirmation of the loss.
        "Подтверждение утраты": YES if certificate.status == CertificateStatus.REPLACED else NO,
        "Подтверждение обмена": NO,
        "Подтверждение уничтожения": NO,
        "Серия документа": certificate.series or NO_SERIES,
        "Номер документа": certificate.number,
        "Дата выдачи документа": _d(certificate.issued_on),
        "Регистрационный номер": certificate.registration_number,
        HEADERS[9]: PROGRAMME_KIND,
        "Наименование дополнительной профессиональной программы": programme.title
        if programme
        else record.title,
        "Наименование области профессиональной деятельности": PROFESSIONAL_AREA,
        "Уровень образования ВО/СПО": EDUCATION_LEVEL.get(holder.education, ""),
        "Год начала обучения (для документа о квалификации)": record.starts_on.year,
        "Год окончания обучения (для документа о квалификации)": record.ends_on.year,
        "Срок обучения, часов (для документа о квалификации)": programme.hours if programme else record.hours,
        "Фамилия получателя": last,
        "Имя получателя": first,
        "Отчество получателя": middle,
        "Дата рождения получателя": _d(holder.birth_date),
        "Пол получателя": SEX.get(holder.sex, ""),
        "СНИЛС": snils_format(holder.snils),
        "Форма обучения": FORM_OF_STUDY.get(programme.form, "") if programme else "",
        "Источник финансирования обучения": FUNDING.get(programme.funding_source, "") if programme else "",
        "Форма получения образования на момент прекращения образовательных отношений": EDUCATION_FORM,
        "Гражданство получателя (код страны по ОКСМ)": holder.citizenship,
        **_original(certificate.original if certificate.is_duplicate else None),
    }
    unknown = set(cells) - set(HEADERS)
    if unknown:  # a typo in a header above would silently leave its column empty
        raise KeyError(f"not a column of the template: {sorted(unknown)}")
    return [cells.get(header, "") for header in HEADERS]


def register_xlsx(certificates) -> bytes:
    """The workbook: sheet «Шаблон» with the header row and one row per certificate, every cell inert."""
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
