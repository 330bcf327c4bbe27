"""The demo-region contract. `manage.py seed_demo` builds the staff directory, then calls
`<app>.demo.seed(ctx)` for diagnostics, routes and monitoring in that order, if the module exists.
Everything is deterministic: use `ctx.rng`, never the global random, and fixed dates from `ctx.today`."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date


@dataclass
class DemoContext:
    region: object
    municipalities: list
    organizations: list
    teachers: list  # Person objects holding the teacher role
    by_role: dict[str, list] = field(default_factory=dict)  # role value → [Person]
    rng: random.Random = field(default_factory=lambda: random.Random(2024))
    today: date = field(default_factory=date.today)
    academic_year: int = 2025  # start year of the current academic year
    demo_password: str = "demo12345"
