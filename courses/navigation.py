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
