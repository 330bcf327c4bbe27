"""The diagnostics panel of the personal cabinet: instruments available now, the state of the
user's attempts, and the latest final result with the seed's recommendation."""

from __future__ import annotations

from .choices import RECOMMENDATIONS
from .selectors import attempts as selectors


def panels(request) -> list[dict]:
    person = selectors.person_of(request.user)
    if person is None:
        return []
    rows = selectors.my_diagnostics(request.user)
    latest = selectors.latest_final_result(person)
    if latest is None:
        latest = selectors.latest_final_result(person, "final")
    if not rows and latest is None:
        return []
    return [
        {
            "template": "diagnostics/taking/_cabinet_panel.html",
            "context": {
                "rows": rows,
                "latest": latest,
                "recommendation": RECOMMENDATIONS.get(latest.level, "") if latest else "",
            },
        }
    ]
