"""Template filters for grammatical Russian (see cnppm/russian.py):
{{ n|plural:"человек" }} → «142 человека», {{ n|agree:"педагог" }} → «педагогов» (the noun alone),
{{ person|genitive }} → «Петрова Ивана Сергеевича» ({{ person|genitive:"natural" }} → «Анны Антоновой»),
{{ person|past:"ознакомлен,ознакомлена" }} → the verb in the person's gender."""

from django import template

from cnppm import russian

register = template.Library()


def _number(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@register.filter
def plural(value, word):
    n = _number(value)
    if n is None:
        return value
    return russian.with_number(n, word)


@register.filter
def agree(value, word):
    n = _number(value)
    if n is None:
        return word
    return russian.plural(n, word)


class _Name:
    """A full name given as text («Фамилия Имя Отчество», as card snapshots keep it)."""

    def __init__(self, text):
        parts = str(text).split()
        self.last_name = parts[0] if parts else ""
        self.first_name = parts[1] if len(parts) > 1 else ""
        self.middle_name = " ".join(parts[2:])


def _person(value):
    if value is None or value == "":
        return None
    return _Name(value) if isinstance(value, str) else value


def _declined(value, case, order):
    person = _person(value)
    if person is None or not getattr(person, "last_name", None):
        return "" if person is None else str(value)
    return russian.person_name(person, case, order or "full")


@register.filter
def genitive(person, order="full"):
    return _declined(person, "gent", order)


@register.filter
def dative(person, order="full"):
    return _declined(person, "datv", order)


@register.filter
def instrumental(person, order="full"):
    return _declined(person, "ablt", order)


@register.filter
def past(person, forms):
    masculine, _, feminine = forms.partition(",")
    person = _person(person)
    if person is None:
        return masculine
    return russian.past_verb(person, masculine, feminine or masculine)
