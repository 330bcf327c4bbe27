"""Menu items of diagnostics (cnppm.navigation reads ITEMS). Shared: the authoring side appends its
items below."""

from cnppm.choices import Role
from cnppm.navigation import NavItem

ITEMS = [
    NavItem("Диагностика", "diagnostics:my_diagnostics", order=20),
    NavItem(
        "Проверка ответов", "diagnostics:expert_queue", frozenset({Role.EXPERT, Role.OPERATOR}), order=25
    ),
    NavItem("Попытки и пересдачи", "diagnostics:attempt_list", frozenset({Role.OPERATOR}), order=26),
]
