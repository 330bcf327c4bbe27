"""Writes of the staff directory, and the shared write helpers: the domain error, event rows,
notifications, the personal-data access log. Services are keyword-only, take the acting user as
`actor`, run in a transaction and validate before saving."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from .models import AuditEvent, Consent, ConsentDocument, Notification, PersonalDataAccess


class DomainError(Exception):
    """A refused action, with a message in Russian for the user. Views show it; APIs answer 400."""

    def __init__(self, message: str, *, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.code = code


def event_record(
    *,
    actor,
    target: Model,
    verb: str,
    field: str = "",
    old="",
    new="",
    comment: str = "",
) -> AuditEvent:
    """Write an event row for a change; call it inside the service's transaction."""
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        verb=verb,
        content_type=ContentType.objects.get_for_model(type(target)),
        object_id=str(target.pk),
        field=field,
        old_value="" if old is None else str(old),
        new_value="" if new is None else str(new),
        comment=comment,
    )


def notify(*, recipients, text: str, url: str = "") -> int:
    """In-app notifications for each recipient user, plus e-mail when SMTP is configured.
    E-mail goes out after the transaction commits, so a rolled-back change sends nothing."""
    users = [u for u in recipients if u is not None]
    Notification.objects.bulk_create([Notification(recipient=u, text=text[:500], url=url) for u in users])
    if settings.EMAIL_HOST:
        emails = [u.email for u in users if u.email]
        if emails:
            transaction.on_commit(
                lambda: send_mail(settings.PORTAL_NAME, f"{text}\n{url}", None, emails, fail_silently=True)
            )
    return len(users)


def personal_data_log(*, actor, action: str, object_type: str, object_id="", records: int = 1, path=""):
    """Log a read or export of personal data (152-ФЗ)."""
    PersonalDataAccess.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type=object_type,
        object_id=str(object_id or ""),
        records=records,
        path=path[:500],
    )


def consent_current_document() -> ConsentDocument | None:
    return ConsentDocument.objects.filter(is_current=True).first()


def consent_is_given(user) -> bool:
    doc = consent_current_document()
    if doc is None:
        return True
    return Consent.objects.filter(user=user, document=doc, withdrawn_at__isnull=True).exists()


@transaction.atomic
def consent_give(*, user, document: ConsentDocument, ip_address: str | None = None) -> Consent:
    if not document.is_current:
        raise DomainError("Эта редакция согласия больше не действует. Обновите страницу.")
    existing = Consent.objects.filter(user=user, document=document, withdrawn_at__isnull=True).first()
    if existing:
        return existing  # a double submit gives consent once
    consent = Consent.objects.create(user=user, document=document, ip_address=ip_address)
    event_record(actor=user, target=consent, verb="consent_given", new=document.version)
    return consent


@transaction.atomic
def consent_withdraw(*, user) -> int:
    now = timezone.now()
    consents = list(Consent.objects.select_for_update().filter(user=user, withdrawn_at__isnull=True))
    for consent in consents:
        consent.withdrawn_at = now
        consent.save(update_fields=["withdrawn_at"])
        event_record(actor=user, target=consent, verb="consent_withdrawn", old=consent.document.version)
    return len(consents)
