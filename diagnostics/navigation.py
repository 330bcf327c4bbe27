"""Menu items of diagnostics (cnppm.navigation reads ITEMS). Shared: the authoring side appends its
items below."""

from cnppm.choices import Role
from cnppm.navigation import NavItem

GROUP = "Диагностика"

ITEMS = [
    NavItem("Диагностика", "diagnostics:my_diagnostics", order=20),
    NavItem(
        "Проверка ответов", "diagnostics:expert_queue", frozenset({Role.EXPERT, Role.OPERATOR}), order=25
    ),
    NavItem("Попытки и пересдачи", "diagnostics:attempt_list", frozenset({Role.OPERATOR}), order=26),
]

# Authoring and statistics (engineer B).
ITEMS += [
    NavItem("Диагностические работы", "diagnostics:instrument_list", frozenset({Role.OPERATOR}), order=27),
    NavItem(
        "Статистика диагностики",
        "diagnostics:statistics_index",
        frozenset(
            {
                Role.OPERATOR,
                Role.REGIONAL_METHODIST,
                Role.MUNICIPAL_METHODIST,
                Role.SCHOOL_HEAD,
                Role.MINISTRY,
            }
        ),
        order=28,
    ),
]

# Cards of the imports hub (cnppm's imports page renders such lists from every app).
IMPORTS = [
    {
        "title": "Банк заданий (Moodle XML, GIFT, XLSX)",
        "url_name": "diagnostics:items_import",
        "template_url_name": "diagnostics:items_template",
    },
    {
        "title": "Внешние результаты диагностики (XLSX)",
        "url_name": "diagnostics:results_import",
        "template_url_name": "diagnostics:results_template",
    },
]
