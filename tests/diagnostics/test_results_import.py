"""External results: matching people, all-or-nothing with row/column errors, re-import updates,
the results count in statistics; the upload page and the command."""

import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from diagnostics.choices import AttemptStatus, FinishReason
from diagnostics.importers import ImportFailed
from diagnostics.models import Attempt, BlockResult
from diagnostics.selectors.statistics import instrument_statistics
from diagnostics.services.results_import import results_import
from tests.cnppm.factories import PersonFactory
from tests.diagnostics.factories import CompetenceBlockFactory, make_instrument
from tests.diagnostics.import_helpers import xlsx_bytes
from tests.helpers import assert_matrix, login

pytestmark = pytest.mark.django_db
HEADER = ["E-mail", "Фамилия", "Имя", "Отчество", "Организация", "Предметные", "ikt, %"]


@pytest.fixture
def setup(world):
    b1 = CompetenceBlockFactory(code="subject", name="Предметные", order=1)
    b2 = CompetenceBlockFactory(code="ikt", name="ИКТ-компетенции", order=2)
    instrument = make_instrument(blocks=[b1, b2], variants=4, code="fioko-2025")
    petrova = PersonFactory(
        organization=world["o1"], last_name="Петрова", first_name="Анна", middle_name="Сергеевна", email=""
    )
    return {"instrument": instrument, "b1": b1, "b2": b2, "petrova": petrova}


def test_import_creates_external_final_attempts(world, setup):
    teacher = world["teacher"]
    data = xlsx_bytes(
        [
            HEADER,
            [teacher.email.upper(), "", "", "", "", 55, "70,5"],
            ["", "Петрова", "Анна", "Сергеевна", "Школа 1", 90, 85],
        ]
    )
    result = results_import(
        actor=world["operator"].user, instrument=setup["instrument"], data=data, source="ФИОКО"
    )
    assert result == {"created": 2, "updated": 0}
    a = Attempt.objects.get(person=teacher)
    assert (a.status, a.finish_reason, a.is_external, a.external_source) == (
        AttemptStatus.FINAL,
        FinishReason.EXTERNAL,
        True,
        "ФИОКО",
    )
    assert (a.percent, a.level, a.organization) == (Decimal("62.75"), "medium", world["o1"])
    blocks = dict(BlockResult.objects.filter(attempt=a).values_list("block__code", "percent"))
    assert blocks == {"subject": Decimal("55.00"), "ikt": Decimal("70.50")}
    assert BlockResult.objects.get(attempt=a, block=setup["b1"]).level == "high"
    p = Attempt.objects.get(person=setup["petrova"])
    assert (p.percent, p.level) == (Decimal("87.50"), "minimal")
    # They count like the portal's own.
    stats = instrument_statistics(user=world["operator"].user, instrument=setup["instrument"])
    assert (stats.overall.participants, stats.external, stats.overall.mean) == (2, 2, Decimal("75.1"))


def test_reimport_updates_instead_of_duplicating(world, setup):
    teacher = world["teacher"]
    operator = world["operator"].user
    results_import(
        actor=operator,
        instrument=setup["instrument"],
        data=xlsx_bytes([HEADER, [teacher.email, "", "", "", "", 55, 70]]),
    )
    result = results_import(
        actor=operator,
        instrument=setup["instrument"],
        data=xlsx_bytes([HEADER, [teacher.email, "", "", "", "", 95, 85]]),
    )
    assert result == {"created": 0, "updated": 1}
    attempt = Attempt.objects.get(person=teacher)
    assert attempt.percent == Decimal("90.00") and attempt.block_results.count() == 2


def test_every_bad_row_is_reported_and_nothing_saved(world, setup):
    data = xlsx_bytes(
        [
            HEADER,
            [world["teacher"].email, "", "", "", "", 55, 70],
            ["nobody@example.ru", "", "", "", "", 50, 50],
            ["", "Петрова", "Анна", "Сергеевна", "Школа 3", 90, 85],
            [world["other_teacher"].email, "", "", "", "", "сто", 101],
            [world["teacher"].email, "", "", "", "", 10, 10],
        ]
    )
    with pytest.raises(ImportFailed) as exc:
        results_import(actor=world["operator"].user, instrument=setup["instrument"], data=data)
    assert exc.value.errors == [
        "Строка 3, столбец «E-mail»: нет участника с e-mail nobody@example.ru в вашей области доступа.",
        "Строка 4: участник «Петрова Анна Сергеевна» из «Школа 3» не найден; укажите e-mail.",
        "Строка 5, столбец «Предметные»: «сто» — не процент от 0 до 100.",
        "Строка 5, столбец «ИКТ-компетенции»: «101» — не процент от 0 до 100.",
        f"Строка 6: участник {world['teacher'].full_name} уже есть в строке 2.",
    ]
    assert not Attempt.objects.exists()


def test_unknown_column_and_missing_identity(world, setup):
    data = xlsx_bytes([["Фамилия", "Физика"], ["Иванов", 50]])
    with pytest.raises(ImportFailed) as exc:
        results_import(actor=world["operator"].user, instrument=setup["instrument"], data=data)
    assert exc.value.errors == [
        "Столбец 2 «Физика»: не поле и не блок этой работы (блоки: Предметные, ИКТ-компетенции).",
        "Нужен столбец «E-mail» или столбцы «Фамилия», «Имя», «Организация».",
        "Нет ни одного столбца с результатом по блоку (заголовок — название или код блока).",
    ]


def test_upload_page_and_command(client, world, setup, tmp_path):
    url = reverse("diagnostics:results_import")
    assert_matrix(client, world, url, {"operator"})
    login(client, world["operator"])
    bad = io.BytesIO(b"not an xlsx")
    bad.name = "results.xlsx"
    response = client.post(
        url, {"instrument": setup["instrument"].pk, "source": "ФИОКО", "file": bad}, follow=True
    )
    assert "Файл не является книгой Excel (.xlsx) или повреждён." in response.content.decode()
    good = io.BytesIO(xlsx_bytes([HEADER, [world["teacher"].email, "", "", "", "", 50, 70]]))
    good.name = "results.xlsx"
    response = client.post(
        url, {"instrument": setup["instrument"].pk, "source": "ФИОКО", "file": good}, follow=True
    )
    assert "Внешние результаты загружены: добавлено 1, обновлено 0." in response.content.decode()
    path = tmp_path / "r.xlsx"
    path.write_bytes(xlsx_bytes([HEADER, [world["teacher"].email, "", "", "", "", 80, 80]]))
    out = io.StringIO()
    call_command("import_results", str(path), "--instrument", "fioko-2025", stdout=out)
    assert "добавлено 0, обновлено 1" in out.getvalue()
    path.write_bytes(xlsx_bytes([HEADER, ["x@y.ru", "", "", "", "", 80, 80]]))
    with pytest.raises(CommandError, match="Строка 2, столбец «E-mail»: нет участника с e-mail x@y.ru"):
        call_command("import_results", str(path), "--instrument", "fioko-2025")
    template = client.get(reverse("diagnostics:results_template") + f"?instrument={setup['instrument'].pk}")
    from openpyxl import load_workbook

    header = next(load_workbook(io.BytesIO(template.content)).active.iter_rows(values_only=True))
    assert header == (
        "E-mail",
        "Фамилия",
        "Имя",
        "Отчество",
        "Организация",
        "Источник",
        "Дата",
        "Предметные",
        "ИКТ-компетенции",
    )
