"""Grammatical Russian for UI text: a noun that agrees with its number (pymorphy3) and people's names
declined by case (Petrovich), so that no page says «142 человек» or «назначен(а)»."""

from decimal import Decimal
from functools import cache

import pymorphy3
from petrovich.enums import Case, Gender
from petrovich.main import Petrovich

CASES = {
    "gent": Case.GENITIVE,
    "datv": Case.DATIVE,
    "accs": Case.ACCUSATIVE,
    "ablt": Case.INSTRUMENTAL,
    "loct": Case.PREPOSITIONAL,
}


# Counting forms that differ from the genitive plural pymorphy3 gives: «5 человек», not «5 людей»;
# «5 лет», not «5 годов».
COUNTED_GENITIVE_PLURAL = {"человек": "человек", "год": "лет"}


@cache
def morph() -> pymorphy3.MorphAnalyzer:
    # Loading the dictionaries takes a noticeable fraction of a second: once per process.
    return pymorphy3.MorphAnalyzer()


@cache
def _petrovich() -> Petrovich:
    return Petrovich()


def _match_case(source: str, target: str) -> str:
    if source[:1].isupper():
        return target[:1].upper() + target[1:]
    return target


def _ends_in_one(n: int) -> bool:
    return n % 10 == 1 and n % 100 != 11


def _agree_word(w: str, n, case: str) -> str:
    parsed = morph().parse(w)
    # Prefer a nominative singular reading: the word is given in its dictionary form.
    best = next((p for p in parsed if {"nomn", "sing"} <= set(p.tag.grammemes)), parsed[0])
    if n != int(n) or (isinstance(n, Decimal) and n.as_tuple().exponent < 0):
        # A fraction, even one printed as «208,0», takes the genitive singular: «12,5 педагога».
        form = best.inflect({"gent", "sing"})
    elif case in ("nomn", "accs") and not (case == "accs" and _ends_in_one(int(n))):
        form = best.make_agree_with_number(int(n))
    else:
        # After a preposition (для, из, на одного…) the noun takes the case, in the singular after 1, 21…
        form = best.inflect({case, "sing" if _ends_in_one(int(n)) else "plur"})
    if form is None:
        return w
    text = form.word
    if {"gent", "plur"} <= set(form.tag.grammemes) and best.normal_form in COUNTED_GENITIVE_PLURAL:
        text = COUNTED_GENITIVE_PLURAL[best.normal_form]
    return _match_case(w, text)


def plural(n, word: str, case: str = "nomn") -> str:
    """The form of `word` (a noun, or adjectives and a noun) that agrees with the number n, in a case
    (nomn by default; gent after «для», «из», «менее»; accs after «на»):
    plural(2, "человек") == "человека", plural(5, "человек") == "человек",
    plural(21, "педагог", "gent") == "педагога", plural(5, "педагог", "gent") == "педагогов"."""
    # An unknown or hidden count («—») reads like a count of many.
    n = abs(n) if isinstance(n, int | float | Decimal) else 5
    return " ".join(_agree_word(w, n, case) for w in word.split())


def with_number(n, word: str, case: str = "nomn") -> str:
    """«142 человека», «1 педагог», «5 педагогов»; thousands grouped with a no-break space."""
    shown = f"{int(n):,}".replace(",", "\u00a0")
    return f"{shown} {plural(int(n), word, case)}"


def gender_of(first: str = "", middle: str = "", last: str = "") -> str | None:
    """Gender.MALE / Gender.FEMALE from the patronymic, else the first name, else the surname;
    None when nothing tells."""
    m = (middle or "").strip().lower()
    if m.endswith(("вич", "ьич", "оглы", "улы", "ич")):
        return Gender.MALE
    if m.endswith(("вна", "чна", "шна", "кызы", "гызы")):
        return Gender.FEMALE
    for value, tag in ((first, "Name"), (last, "Surn")):
        if not value:
            continue
        for p in morph().parse(value.strip()):
            if tag in p.tag and p.tag.gender in ("masc", "femn"):
                return Gender.MALE if p.tag.gender == "masc" else Gender.FEMALE
    return None


def decline_name(last: str, first: str, middle: str = "", case: str = "gent") -> tuple[str, str, str]:
    """(last, first, middle) in the given case (gent, datv, accs, ablt, loct): Петров Иван Сергеевич →
    Петрова Ивана Сергеевича; Антонова Анна → Антоновой Анны."""
    p, c = _petrovich(), CASES[case]
    gender = gender_of(first, middle, last)
    return (
        p.lastname(last, c, gender) if last else "",
        p.firstname(first, c, gender) if first else "",
        p.middlename(middle, c, gender) if middle else "",
    )


def person_name(person, case: str = "gent", order: str = "full") -> str:
    """A Person's name in a case. order: "full" (Фамилия Имя Отчество), "short" (Фамилия И. О.),
    "natural" (Имя Фамилия, as in «от Анны Антоновой»)."""
    last, first, middle = decline_name(person.last_name, person.first_name, person.middle_name or "", case)
    if order == "short":
        initials = "".join(f"{x[0]}." for x in (person.first_name, person.middle_name) if x)
        return f"{last} {initials}".strip()
    if order == "natural":
        return " ".join(x for x in (first, last) if x)
    return " ".join(x for x in (last, first, middle) if x)


def past_verb(person, masculine: str, feminine: str) -> str:
    """A past-tense verb that agrees with the person («ознакомлен» / «ознакомлена»); the masculine
    form, the grammatical default, when the person's gender cannot be told."""
    gender = gender_of(person.first_name, person.middle_name or "", person.last_name)
    return feminine if gender == Gender.FEMALE else masculine


MONTHS_GENITIVE = (
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
)


def document_date(value) -> str:
    """A date as Russian forms print it on a signature line: «15» декабря 2026 г.; a blank line
    to fill by hand when there is no date yet. Datetimes are taken in the portal's time zone."""
    if value is None:
        return "«____» __________ 20__ г."
    if hasattr(value, "tzinfo"):
        from django.utils import timezone

        if timezone.is_aware(value):
            value = timezone.localtime(value)
        value = value.date() if hasattr(value, "date") else value
    return f"«{value.day:02d}» {MONTHS_GENITIVE[value.month - 1]} {value.year} г."
