"""`manage.py demo_logins`: a table of one demo login per role, with the shared demo password."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db.models.functions import Length

from cnppm import demo
from cnppm.choices import Role
from cnppm.models import RoleAssignment


class Command(BaseCommand):
    help = "Показать демонстрационные логины для каждой роли и общий пароль."

    def handle(self, *args, **options):
        if not demo.region_exists():
            self.stdout.write("Демо-регион не создан: выполните manage.py seed_demo")
            return
        password = demo.DemoContext(
            region=None, municipalities=[], organizations=[], teachers=[]
        ).demo_password
        assignments = (
            RoleAssignment.objects.filter(
                person__organization__municipality__region__code=demo.DEMO_REGION_CODE,
                person__user__isnull=False,
            )
            .select_related("person__user", "person__organization")
            .annotate(name_length=Length("person__user__username"))
            .order_by("role", "name_length", "person__user__username")
        )
        first: dict[str, RoleAssignment] = {}
        for a in assignments:
            first.setdefault(a.role, a)
        rows = [("Роль", "Логин", "Пароль", "ФИО", "Организация")]
        for value, label in Role.choices:
            a = first.get(value)
            if a is None:
                continue
            p = a.person
            rows.append((str(label), p.user.username, password, p.full_name, p.organization.short_name))
        widths = [max(len(r[i]) for r in rows) for i in range(5)]
        line = "  ".join("-" * w for w in widths)
        self.stdout.write("Демо-входы (адрес: /accounts/login/):")
        for i, row in enumerate(rows):
            self.stdout.write("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
            if i == 0:
                self.stdout.write(line)
