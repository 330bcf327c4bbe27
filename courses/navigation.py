"""Menu items of the courses app."""

from cnppm.choices import Role
from cnppm.navigation import NavItem

GROUP = "Курсы"

ITEMS = [
    # Programmes and the groups now recruiting: everybody who works in the region (course teachers
    # are people, not a role: they find their groups at the top of this page).
    NavItem("Курсы ЦНППМ", "courses:programmes", order=50),
    NavItem("Мои курсы", "courses:my", frozenset({Role.TEACHER}), order=51),
    NavItem(
        "Реестр удостоверений",
        "courses:certificate_register",
        frozenset({Role.OPERATOR, Role.REGIONAL_METHODIST}),
        order=52,
    ),
]

# Uploads shown on the imports page (cnppm.import_views.other_imports).
IMPORTS = [
    {
        "title": "Программы курсов",
        "description": "Программы ЦНППМ из файла XLSX: всё или ничего, с указанием строки и столбца ошибки.",
        "url_name": "courses:import_programmes",
        "template_url_name": "courses:import_template_programmes",
    },
    {
        "title": "Группы курсов и их слушатели",
        "description": "Группы программ и слушатели групп; завершившим пишется запись об обучении.",
        "url_name": "courses:import_groups",
        "template_url_name": "courses:import_template_groups",
    },
    {
        "title": "Пройденное обучение прошлых лет",
        "description": "Курсы, пройденные до портала, с организацией, где человек тогда работал.",
        "url_name": "courses:import_trainings",
        "template_url_name": "courses:import_template_trainings",
    },
]
