"""Grammatical Russian: numbers agree with nouns, names are declined, no «(а)» gender brackets."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template

from cnppm.russian import decline_name, gender_of, person_name, plural, with_number
from tests.cnppm.factories import make_person
from tests.helpers import login

NUMBERS = (1, 2, 5, 11, 12, 14, 21, 22, 25, 111, 142)


def render(source: str, **context) -> str:
    return Template("{% load russian %}" + source).render(Context(context))


@pytest.mark.parametrize(
    "word, forms",
    [
        (
            "человек",
            ["человек", "человека", "человек", "человек", "человек", "человек", "человек", "человека",
             "человек", "человек", "человека"],
        ),
        ("год", ["год", "года", "лет", "лет", "лет", "лет", "год", "года", "лет", "лет", "года"]),
        (
            "педагог",
            ["педагог", "педагога", "педагогов", "педагогов", "педагогов", "педагогов", "педагог", "педагога",
             "педагогов", "педагогов", "педагога"],
        ),
        (
            "задание",
            ["задание", "задания", "заданий", "заданий", "заданий", "заданий", "задание", "задания", "заданий",
             "заданий", "задания"],
        ),
    ],
)  # fmt: skip
def test_filter_agrees_on_tricky_numbers(word, forms):
    for n, form in zip(NUMBERS, forms, strict=True):
        assert render('{{ n|plural:"' + word + '" }}', n=n) == f"{n} {form}"
        assert render('{{ n|agree:"' + word + '" }}', n=n) == form


def test_cases_after_prepositions_and_fractions():
    assert with_number(1, "педагог", "gent") == "1 педагога"  # для 1 педагога
    assert with_number(21, "образовательная организация", "gent") == "21 образовательной организации"
    assert with_number(5, "педагогический работник", "gent") == "5 педагогических работников"
    assert with_number(1, "человек", "accs") == "1 человека"  # увеличилось на 1 человека
    assert with_number(3, "человек", "accs") == "3 человека"
    assert with_number(1500, "человек") == "1\u00a0500 человек"
    from decimal import Decimal

    assert plural(Decimal("12.5"), "педагог") == "педагога"
    assert plural(None, "педагог") == "педагогов"


def test_names_are_declined():
    assert decline_name("Петров", "Иван", "Сергеевич") == ("Петрова", "Ивана", "Сергеевича")
    assert decline_name("Антонова", "Анна", "") == ("Антоновой", "Анны", "")
    assert decline_name("Антонова", "Анна", "Петровна", "datv") == ("Антоновой", "Анне", "Петровне")
    assert gender_of("Анна", "", "Антонова") == "female"
    assert gender_of("Иван", "Сергеевич", "Петров") == "male"


@pytest.mark.django_db
def test_person_filters():
    anna = make_person(None, last_name="Антонова", first_name="Анна", middle_name="")
    ivan = make_person(None, last_name="Петров", first_name="Иван", middle_name="Сергеевич")
    assert render("комментарий от {{ p|genitive:'natural' }}", p=anna) == "комментарий от Анны Антоновой"
    assert render("ИОМ {{ p|genitive }}", p=ivan) == "ИОМ Петрова Ивана Сергеевича"
    assert render("ИОМ {{ name|genitive }}", name="Петров Иван Сергеевич") == "ИОМ Петрова Ивана Сергеевича"
    assert person_name(ivan, "gent", "short") == "Петрова И.С."
    assert render('{{ p|past:"ознакомлен,ознакомлена" }}', p=anna) == "ознакомлена"
    assert render('{{ p|past:"ознакомлен,ознакомлена" }}', p=ivan) == "ознакомлен"


GENDER_BRACKETS = re.compile(r"[а-яё]\s?\((а|ы|и|ов|ей|ий|я|ь)\)", re.IGNORECASE)


def test_no_gender_or_plural_brackets_in_templates():
    root = Path(settings.BASE_DIR) / "templates"
    found = []
    for path in root.rglob("*.html"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if GENDER_BRACKETS.search(line):
                found.append(f"{path.relative_to(root)}:{number}: {line.strip()[:120]}")
    assert not found, "\n".join(found)


@pytest.mark.django_db
def test_profile_page_says_years_grammatically(client, world):
    teacher = world["teacher"]
    login(client, world["school_head"])
    for years, text in ((24, "24 года"), (21, "21 год"), (11, "11 лет")):
        teacher.experience_years = years
        teacher.save(update_fields=["experience_years"])
        html = client.get(f"/people/{teacher.pk}/").content.decode()
        assert f'<dd class="col-sm-7">{text}</dd>' in html, years


@pytest.mark.django_db
def test_caseload_warning_counts_teachers_grammatically(client, world, settings):
    from routes.selectors_caseload import support_loads

    settings.SUPPORT_NORM = 1
    extra = make_person(organization=world["o2"])
    from tests.cnppm.factories import assign_support

    assign_support(extra, world["curator"], "curator")
    assert support_loads(role="curator", supporter_ids=[world["curator"].pk])[world["curator"].pk] == 2
    login(client, world["curator"])
    from django.urls import reverse

    html = client.get(reverse("routes:caseload")).content.decode()
    assert "Нагрузка (кураторы) — 2 педагога, выше нормы 1." in html or "— 2 педагога, выше нормы 1." in html
