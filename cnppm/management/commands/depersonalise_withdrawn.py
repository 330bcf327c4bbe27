"""`manage.py depersonalise_withdrawn`: what the daily beat task does (152-ФЗ ст. 21 ч. 5), at once:
depersonalise who withdrew consent more than CONSENT_DESTRUCTION_DAYS days ago and has not
consented again. `--dry-run` lists who is due (ids and dates) and changes nothing."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils import timezone

from cnppm.depersonalisation import depersonalise_due, destruction_deadline, due_people


class Command(BaseCommand):
    help = "Обезличить персональные данные тех, кто отозвал согласие и не дал его снова в течение срока."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="только показать, кого это касается")

    def handle(self, *args, dry_run=False, **options):
        if dry_run:
            due = list(due_people().values_list("pk", "consent_withdrawn_at"))
            for pk, withdrawn_at in due:
                deadline = timezone.localtime(destruction_deadline(withdrawn_at))
                self.stdout.write(
                    f"№ {pk}: согласие отозвано {timezone.localtime(withdrawn_at):%d.%m.%Y}, срок {deadline:%d.%m.%Y}"
                )
            self.stdout.write(f"К обезличиванию: {len(due)}")
            return
        self.stdout.write(f"Обезличено: {depersonalise_due()}")
