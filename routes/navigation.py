"""Menu items of the routes app and its entries on the imports hub."""

from cnppm.choices import Role
from cnppm.navigation import NavItem

GROUP = "ИОМ"

ITEMS = [
    NavItem(
        "ИОМ",
        "routes:list",
        frozenset(
            {
                Role.TEACHER,
                Role.MENTOR,
                Role.CURATOR,
                Role.TUTOR,
                Role.SCHOOL_HEAD,
                Role.MUNICIPAL_METHODIST,
                Role.REGIONAL_METHODIST,
                Role.OPERATOR,
            }
        ),
        order=30,
    ),
    NavItem("Каталог мероприятий", "routes:catalogue", order=31),
]

# The imports hub (cnppm) lists these: title, description, the upload page and the template file.
IMPORTS = [
    {
        "title": "Каталог мероприятий",
        "description": "Избыточный перечень мероприятий для ИОМ из файла XLSX: всё или ничего, "
        "с указанием строки и столбца каждой ошибки.",
        "url_name": "routes:catalogue_import",
        "template_url_name": "routes:catalogue_template",
    }
]

# --- Assignment of curators, tutors and mentors; card archives (engineer B) ---
ITEMS += [
    NavItem("Мои педагоги", "routes:caseload", frozenset({Role.CURATOR, Role.TUTOR, Role.MENTOR}), order=32),
    NavItem(
        "Закрепление сопровождающих",
        "routes:assignment_list",
        frozenset({Role.OPERATOR, Role.REGIONAL_METHODIST, Role.SCHOOL_HEAD, Role.MUNICIPAL_METHODIST}),
        order=33,
    ),
    NavItem(
        "Нагрузка сопровождающих",
        "routes:caseloads",
        frozenset({Role.OPERATOR, Role.REGIONAL_METHODIST}),
        order=34,
    ),
    NavItem(
        "Архивы карт ИОМ",
        "routes:archives",
        frozenset({Role.OPERATOR, Role.REGIONAL_METHODIST, Role.MUNICIPAL_METHODIST, Role.SCHOOL_HEAD}),
        order=35,
    ),
]

# --- Every submitted route has a reviewer (issue 9) ---
ITEMS += [
    NavItem("ИОМ без куратора", "routes:without_curator", frozenset({Role.OPERATOR}), order=36),
    NavItem("Профили сопровождающих", "routes:supporter_profiles", frozenset({Role.OPERATOR}), order=37),
]
