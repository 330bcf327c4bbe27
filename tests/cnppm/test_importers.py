"""The roster and structure import services: validate everything first, write nothing on any
error, match re-imports, create accounts that need activation."""

import io

import pytest
from django.contrib.auth import get_user_model

from cnppm import importers
from cnppm.choices import Education, QualificationCategory, Role, SupportKind
from cnppm.models import AuditEvent, Municipality, Organization, Person, ReferenceStatistic, RoleAssignment
from cnppm.services import DomainError
from tests.cnppm.factories import SubjectFactory
from tests.cnppm.xlsx_helpers import roster_file, roster_row, workbook_bytes

User = get_user_model()


@pytest.fixture
def subjects(db):
    return {
        "physics": SubjectFactory(code="physics", name="физика"),
        "math": SubjectFactory(code="mathematics", name="математика"),
    }


def run(world, rows, **kw):
    return importers.roster_import(actor=world["operator"].user, file=roster_file(rows), **kw)


def test_roster_creates_people_accounts_roles_and_subjects(world, subjects):
    report = run(
        world,
        [
            roster_row(),
            roster_row(
                Фамилия="Сидоров",
                Имя="Пётр",
                Отчество="",
                Email="",
                Организация="ЦНППМ",
                Образование="среднее профессиональное",
                **{
                    "Педагогический стаж": "3",
                    "Квалификационная категория": "",
                    "Предметы": "физика; математика",
                },
                Роль="куратор ИОМ, тьютор",
            ),
            roster_row(Фамилия="Орлова", Email="ORLOVA@Example.ru", Роль="руководитель ОО", Предметы=""),
        ],
    )
    assert report.ok, report.errors
    assert (report.rows, report.created, report.updated, report.accounts_created) == (3, 3, 0, 3)
    petrova = Person.objects.get(email="petrova@example.ru")
    assert petrova.organization == world["o1"]
    assert petrova.education == Education.HIGHER and petrova.experience_years == 12
    assert petrova.qualification_category == QualificationCategory.FIRST
    assert [s.name for s in petrova.subjects.all()] == ["физика"]
    assert petrova.user.must_change_password and not petrova.user.has_usable_password()
    assert petrova.user.username == "petrova.as"
    sidorov = Person.objects.get(last_name="Сидоров")
    assert sidorov.qualification_category == QualificationCategory.NONE
    assert sidorov.education == Education.SECONDARY_VOCATIONAL
    assert sorted(s.code for s in sidorov.subjects.all()) == ["mathematics", "physics"]
    roles = {r.role: r.support_kind for r in sidorov.roles.all()}
    assert roles == {Role.CURATOR: SupportKind.CENTRE_STAFF, Role.TUTOR: SupportKind.CENTRE_STAFF}
    orlova = Person.objects.get(last_name="Орлова")
    assert orlova.email == "orlova@example.ru" and orlova.is_manager
    head = orlova.roles.get()
    assert (head.role, head.organization) == (Role.SCHOOL_HEAD, world["o1"])
    event = AuditEvent.objects.get(verb="roster_imported")
    assert event.actor == world["operator"].user and "создано карточек: 3" in event.new_value


def test_reimport_same_file_creates_no_duplicates(world, subjects):
    rows = [roster_row(), roster_row(Фамилия="Сидоров", Имя="Пётр", Email="")]
    first = run(world, rows)
    people, users, roles = Person.objects.count(), User.objects.count(), RoleAssignment.objects.count()
    second = run(world, rows)
    assert first.created == 2
    assert (second.created, second.updated, second.unchanged, second.accounts_created) == (0, 0, 2, 0)
    assert (Person.objects.count(), User.objects.count(), RoleAssignment.objects.count()) == (
        people,
        users,
        roles,
    )


def test_reimport_updates_matched_person_by_email_and_by_name(world, subjects):
    run(world, [roster_row(), roster_row(Фамилия="Сидоров", Имя="Пётр", Email="")])
    report = run(
        world,
        [
            roster_row(Фамилия="Петрова-Ким", Организация="Школа 2", Предметы="математика"),
            roster_row(Фамилия="сидоров", Имя="Пётр", Email="", **{"Педагогический стаж": 7}),
        ],
    )
    assert (report.created, report.updated) == (0, 2)
    petrova = Person.objects.get(email="petrova@example.ru")
    assert petrova.last_name == "Петрова-Ким" and petrova.organization == world["o2"]
    assert [s.code for s in petrova.subjects.all()] == ["mathematics"]
    assert Person.objects.get(last_name__iexact="сидоров").experience_years == 7


def test_existing_person_without_account_gets_one(world, subjects):
    person = Person.objects.create(
        organization=world["o1"], last_name="Петрова", first_name="Анна", middle_name="Сергеевна"
    )
    report = run(world, [roster_row(Email="")])
    assert (report.created, report.accounts_created) == (0, 1)
    person.refresh_from_db()
    assert person.user is not None and person.user.must_change_password


def test_every_error_listed_with_row_and_column_and_nothing_written(world, subjects):
    before = (Person.objects.count(), User.objects.count())
    report = run(
        world,
        [
            roster_row(),
            roster_row(Муниципалитет="Неизвестный район", Email="a@example.ru"),
            roster_row(Организация="Школа 99", Email="b@example.ru"),
            roster_row(Email="petrova@example.ru", Фамилия="Другая"),
            roster_row(Email="не-почта", **{"Педагогический стаж": "много"}),
            roster_row(Email="c@example.ru", Предметы="астрология", Роль="волшебник", Фамилия=""),
            roster_row(
                Email="d@example.ru", **{"Квалификационная категория": "вторая"}, Образование="домашнее"
            ),
        ],
    )
    assert not report.ok
    found = {(e.row, e.column) for e in report.errors}
    assert found == {
        (3, "Муниципалитет"),
        (4, "Организация"),
        (5, "Email"),
        (6, "Email"),
        (6, "Педагогический стаж"),
        (7, "Фамилия"),
        (7, "Предметы"),
        (7, "Роль"),
        (8, "Квалификационная категория"),
        (8, "Образование"),
    }
    messages = {(e.row, e.column): e.message for e in report.errors}
    assert "«Неизвестный район» нет в справочнике" in messages[(3, "Муниципалитет")]
    assert "уже указан в строке 2" in messages[(5, "Email")]
    assert "«астрология» нет в справочнике" in messages[(7, "Предметы")]
    assert str(report.errors[0]).startswith("строка 3, столбец «Муниципалитет»")
    assert report.summary() == f"Найдено ошибок: {len(report.errors)}. Ничего не записано."
    assert (Person.objects.count(), User.objects.count()) == before
    assert not AuditEvent.objects.filter(verb="roster_imported").exists()


def test_email_taken_by_another_account_is_an_error(world, subjects):
    User.objects.create_user(username="admin", email="Admin@Example.ru", password="x-pass-12345")
    report = run(world, [roster_row(Email="admin@example.ru", Фамилия="Новая")])
    assert [(e.row, e.column) for e in report.errors] == [(2, "Email")]
    assert "уже занят другой учётной записью" in report.errors[0].message
    assert not Person.objects.filter(last_name="Новая").exists()


def test_email_identifies_the_person_even_in_another_organization(world, subjects):
    curator = world["curator"]
    report = run(
        world,
        [roster_row(Email=curator.email.upper(), Фамилия="Кураторова", Организация="ЦНППМ", Роль="куратор")],
    )
    assert report.ok and (report.created, report.updated, report.accounts_created) == (0, 1, 0)
    curator.refresh_from_db()
    assert curator.last_name == "Кураторова"
    assert curator.roles.filter(role=Role.CURATOR).count() == 1


def test_same_person_twice_without_email_is_an_error(world, subjects):
    report = run(world, [roster_row(Email=""), roster_row(Email="", Фамилия="ПЕТРОВА")])
    assert [(e.row, e.column) for e in report.errors] == [(3, "Фамилия")]
    assert "уже указан в строке 2" in report.errors[0].message


def test_dry_run_writes_nothing_but_reports(world, subjects):
    report = run(world, [roster_row()], dry_run=True)
    assert report.ok and report.created == 1 and report.accounts_created == 1
    assert report.summary().startswith("Проверка прошла успешно, ничего не записано")
    assert not Person.objects.filter(email="petrova@example.ru").exists()
    assert not User.objects.filter(username="petrova.as").exists()


def test_usernames_are_unique(world, subjects):
    report = run(
        world,
        [
            roster_row(Email=""),
            roster_row(Email="", Организация="Школа 2"),
            roster_row(Email="", Организация="ЦНППМ"),
        ],
    )
    assert report.ok
    assert sorted(Person.objects.filter(last_name="Петрова").values_list("user__username", flat=True)) == [
        "petrova.as",
        "petrova.as2",
        "petrova.as3",
    ]


@pytest.mark.parametrize(
    "content,message",
    [
        (b"this is not a spreadsheet", "не книга Excel"),
        (b"PK\x03\x04broken zip", "не книга Excel"),
        (b"", "Файл пустой"),
    ],
)
def test_broken_files_are_refused(world, content, message):
    with pytest.raises(DomainError) as exc:
        importers.roster_import(actor=world["operator"].user, file=io.BytesIO(content))
    assert message in exc.value.message


def test_missing_columns_are_named(world):
    columns = [c for c in importers.ROSTER_COLUMNS if c not in ("Email", "Роль")]
    with pytest.raises(DomainError) as exc:
        importers.roster_import(
            actor=world["operator"].user, file=roster_file([roster_row()], columns=columns)
        )
    assert "нет обязательных столбцов: Email, Роль" in exc.value.message


def test_file_over_size_limit_is_refused(world, settings):
    settings.IMPORT_MAX_BYTES = 1000
    with pytest.raises(DomainError) as exc:
        importers.roster_import(actor=world["operator"].user, file=roster_file([roster_row()] * 50))
    assert "Файл слишком большой" in exc.value.message
    assert Person.objects.filter(email="petrova@example.ru").count() == 0


def test_header_only_file_is_refused(world):
    with pytest.raises(DomainError, match="нет ни одной строки"):
        importers.roster_import(actor=world["operator"].user, file=roster_file([]))


def test_activation_token_is_one_time(world, subjects):
    run(world, [roster_row()])
    user = User.objects.get(username="petrova.as")
    token = importers.activation_tokens.make_token(user)
    assert importers.activation_tokens.check_token(user, token)
    importers.account_activate(user=user, token=token, password="Новый-пароль-2025")
    user.refresh_from_db()
    assert user.check_password("Новый-пароль-2025") and not user.must_change_password
    assert not importers.activation_tokens.check_token(user, token)
    with pytest.raises(DomainError, match="уже использована или устарела"):
        importers.account_activate(user=user, token=token, password="Другой-пароль-2025")


def test_activation_token_expires(world, subjects, settings, monkeypatch):
    run(world, [roster_row()])
    user = User.objects.get(username="petrova.as")
    token = importers.activation_tokens.make_token(user)
    settings.ACCOUNT_ACTIVATION_DAYS = 30
    real_now = importers.activation_tokens._now()
    from datetime import timedelta

    monkeypatch.setattr(importers.activation_tokens, "_now", lambda: real_now + timedelta(days=31))
    assert not importers.activation_tokens.check_token(user, token)


def test_credentials_workbook_lists_logins_and_links(world, subjects):
    import openpyxl

    run(world, [roster_row(), roster_row(Фамилия="Сидоров", Имя="Пётр", Email="")])
    people = importers.pending_accounts(actor=world["operator"].user)
    content, count = importers.credentials_workbook(people, base_url="https://cnppm.example.ru/")
    assert count == 2
    rows = list(openpyxl.load_workbook(io.BytesIO(content)).active.values)
    assert rows[0][:5] == ("Муниципалитет", "Организация", "ФИО", "Email", "Логин")
    by_login = {r[4]: r for r in rows[1:]}
    assert by_login["petrova.as"][2] == "Петрова Анна Сергеевна"
    assert by_login["petrova.as"][5].startswith("https://cnppm.example.ru/accounts/activate/")


# --- Structure --------------------------------------------------------------------------------------


def structure_file(**sheets) -> io.BytesIO:
    data = {}
    for title, rows in sheets.items():
        title = title.replace("_", " ")
        data[title] = [list(importers.STRUCTURE_SHEETS[title]), *rows]
    return io.BytesIO(workbook_bytes(data))


def test_structure_creates_and_updates(world):
    file = structure_file(
        Муниципалитеты=[
            ["M9", "Девятый район", "муниципальный район"],
            ["M1", "Первый район", "городской округ"],
        ],
        Организации=[
            [
                "Девятый район",
                "Школа 9",
                "Муниципальное бюджетное общеобразовательное учреждение № 9",
                "школа",
                "да",
            ],
            ["M1", "Школа 1", "МБОУ Школа 1 (новое название)", "общеобразовательная организация", ""],
        ],
        Статистика=[["Девятый район", 2025, 120, 100, 3, 1, 0], ["Первый район", "2024", "", "", "", "", ""]],
    )
    report = importers.structure_import(actor=world["operator"].user, file=file)
    assert report.ok, report.errors
    m9 = Municipality.objects.get(code="M9")
    assert m9.name == "Девятый район" and m9.region == world["m1"].region
    assert Municipality.objects.get(code="M1").kind == "city_okrug"
    s9 = Organization.objects.get(short_name="Школа 9")
    assert s9.municipality == m9 and s9.low_results
    assert Organization.objects.get(pk=world["o1"].pk).full_name == "МБОУ Школа 1 (новое название)"
    stat = ReferenceStatistic.objects.get(municipality=m9, year=2025)
    assert (stat.teachers_total, stat.school_teachers_total, stat.schools_total) == (120, 100, 3)
    assert report.details["муниципалитетов создано"] == 1 and report.details["муниципалитетов обновлено"] == 1
    assert report.details["организаций создано"] == 1 and report.details["записей статистики создано"] == 2
    again = importers.structure_import(actor=world["operator"].user, file=file)
    assert (again.created, again.updated) == (0, 0)
    assert Organization.objects.filter(short_name="Школа 9").count() == 1


def test_structure_errors_listed_nothing_written(world):
    file = structure_file(
        Муниципалитеты=[["M9", "Девятый район", "волость"]],
        Организации=[["Неизвестный", "Школа 10", "", "школа", "может быть"], ["M1", "", "", "непонятно", ""]],
        Статистика=[["M1", 1812, "сто", 1, 1, 1, 1]],
    )
    report = importers.structure_import(actor=world["operator"].user, file=file)
    found = {(e.sheet, e.row, e.column) for e in report.errors}
    assert found == {
        ("Муниципалитеты", 2, "Вид"),
        ("Организации", 2, "Муниципалитет"),
        ("Организации", 2, "ШНОР"),
        ("Организации", 3, "Краткое наименование"),
        ("Организации", 3, "Тип"),
        ("Статистика", 2, "Год"),
        ("Статистика", 2, "Педагогов всего"),
    }
    assert str(report.errors[0]).startswith("лист «Муниципалитеты», строка 2, столбец «Вид»")
    assert not Municipality.objects.filter(code="M9").exists()
    assert not ReferenceStatistic.objects.exists()


def test_structure_without_known_sheets_is_refused(world):
    file = io.BytesIO(workbook_bytes({"Лист1": [["a", "b"], [1, 2]]}))
    with pytest.raises(DomainError, match="нет ни одного из листов"):
        importers.structure_import(actor=world["operator"].user, file=file)


def test_templates_have_the_columns(world, subjects):
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(importers.roster_template(region=world["m1"].region)))
    assert [c.value for c in wb["Реестр"][1]] == list(importers.ROSTER_COLUMNS)
    reference = list(wb["Справочники"].values)
    assert ("Первый район", "Школа 1") in [r[:2] for r in reference]
    assert "физика" in [r[2] for r in reference]
    wb = openpyxl.load_workbook(io.BytesIO(importers.structure_template()))
    for title, columns in importers.STRUCTURE_SHEETS.items():
        assert [c.value for c in wb[title][1]] == list(columns)
    # A filled template imports: the template and the importer agree.
    report = importers.roster_import(actor=world["operator"].user, file=roster_file([roster_row()]))
    assert report.ok


def test_reimport_changing_only_subjects_updates_supported_areas_and_says_so(world, subjects):
    """A curator's subjects changed in the roster: the re-import changes the areas they support (what
    the assignment matches against) and the summary counts the person as updated."""
    curator = roster_row(
        Фамилия="Сидоров", Имя="Пётр", Email="sidorov@example.ru", Организация="ЦНППМ", Роль="куратор ИОМ"
    )
    run(world, [roster_row(), {**curator, "Предметы": "физика"}])
    sidorov = Person.objects.get(email="sidorov@example.ru")
    role = sidorov.roles.get(role=Role.CURATOR)
    assert [s.code for s in role.subjects.all()] == ["physics"]

    report = run(world, [roster_row(), {**curator, "Предметы": "физика; математика"}])
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    assert "обновлено: 1" in report.summary()
    assert sorted(s.code for s in role.subjects.all()) == ["mathematics", "physics"]
    assert sorted(s.code for s in sidorov.subjects.all()) == ["mathematics", "physics"]
    again = run(world, [roster_row(), {**curator, "Предметы": "физика; математика"}])
    assert (again.updated, again.unchanged) == (0, 2)


def test_roster_template_offers_drop_down_lists_for_fixed_columns(world, subjects):
    import openpyxl
    from openpyxl.utils import column_index_from_string, get_column_letter

    wb = openpyxl.load_workbook(io.BytesIO(importers.roster_template(region=world["m1"].region)))
    ws, ref = wb["Реестр"], wb["Справочники"]
    header = {c.value: get_column_letter(c.column) for c in ws[1]}
    lists = {}
    for dv in ws.data_validations.dataValidation:
        assert dv.type == "list"
        for rng in dv.sqref.ranges:
            lists[rng.coord.split(":")[0].rstrip("0123456789")] = dv

    def offered(column: str) -> list[str]:
        dv = lists[header[column]]
        sheet, cells = dv.formula1.split("!")
        assert sheet == "'Справочники'"
        first, last = (c.replace("$", "") for c in cells.split(":"))
        col = column_index_from_string(first.rstrip("0123456789"))
        rows = range(
            int(first[len(first.rstrip("0123456789")) :]), int(last[len(last.rstrip("0123456789")) :]) + 1
        )
        return [ref.cell(row=r, column=col).value for r in rows if ref.cell(row=r, column=col).value]

    assert offered("Образование") == [str(label) for _, label in Education.choices]
    assert offered("Квалификационная категория") == [str(label) for _, label in QualificationCategory.choices]
    assert offered("Муниципалитет") == ["Первый район", "Второй район"] or sorted(
        offered("Муниципалитет")
    ) == [
        "Второй район",
        "Первый район",
    ]
    assert "Школа 1" in offered("Организация")
    assert "педагог" in offered("Роль") and "физика" in offered("Предметы")
    # Fixed columns refuse other values; roles and subjects may list several, so they only hint.
    assert lists[header["Образование"]].errorStyle in (None, "stop")
    assert lists[header["Роль"]].errorStyle == "information"
    assert "Фамилия" not in {k for k, v in header.items() if v in lists}
