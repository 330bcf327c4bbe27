"""`manage.py seed_demo [--teachers N]`: the deterministic demo region (staff directory, then the
diagnostics, routes and monitoring parts through `<app>.demo.seed(ctx)`). Running it again is
harmless: an existing demo region is left as it is."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from cnppm import demo


class Command(BaseCommand):
    help = "Создать демонстрационный регион: муниципалитеты, организации, людей во всех ролях, данные приложений."

    def add_arguments(self, parser):
        parser.add_argument(
            "--teachers", type=int, default=300, help="сколько педагогов (по умолчанию %(default)s)"
        )

    def handle(self, *args, teachers, **options):
        if teachers < 1 or teachers > 100_000:
            raise CommandError("Число педагогов должно быть от 1 до 100 000.")
        if demo.region_exists():
            self.stdout.write(
                f"Демо-регион «{demo.DEMO_REGION_NAME}» уже создан; ничего не изменено. Логины: manage.py demo_logins"
            )
            return
        with transaction.atomic():
            ctx = demo.build(teachers=teachers)
            self.stdout.write(
                f"Регион «{ctx.region}»: муниципалитетов {len(ctx.municipalities)}, организаций "
                f"{len(ctx.organizations)}, педагогов {len(ctx.teachers)}."
            )
            seeded = demo.seed_apps(ctx, log=self.stdout.write)
        apps = ", ".join(seeded) if seeded else "нет"
        self.stdout.write(
            self.style.SUCCESS(
                f"Демо-регион создан. Данные приложений: {apps}. Пароль всех демо-входов: {ctx.demo_password}"
            )
        )
