"""Monitoring menu items by role (the base layout shows those the user holds)."""

from cnppm.choices import Role
from cnppm.navigation import NavItem

DASHBOARD_ROLES = frozenset(
    {Role.OPERATOR, Role.REGIONAL_METHODIST, Role.MINISTRY, Role.MUNICIPAL_METHODIST, Role.SCHOOL_HEAD}
)

GROUP = "Мониторинг"

ITEMS = [
    NavItem("Мониторинг", "monitoring:dashboard", DASHBOARD_ROLES, order=50),
    NavItem(
        "Справочные данные",
        "monitoring:reference_home",
        frozenset({Role.OPERATOR, Role.MUNICIPAL_METHODIST}),
        order=55,
    ),
]

# Reports (engineer B).
ITEMS += [
    NavItem(
        "Отчёты",
        "monitoring:reports",
        frozenset({Role.OPERATOR, Role.REGIONAL_METHODIST, Role.MINISTRY, Role.MUNICIPAL_METHODIST}),
        order=60,
    ),
    NavItem(
        "Ежеквартальные отчёты",
        "monitoring:quarterly_reports",
        frozenset({Role.MINISTRY, Role.OPERATOR, Role.REGIONAL_METHODIST}),
        order=61,
    ),
]

# The federal level (issue 10.3): the ministry of the federation, the Academy.
ITEMS += [NavItem("Регионы", "monitoring:regions", frozenset({Role.FEDERAL}), order=49, group="")]
