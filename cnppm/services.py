"""Writes of the staff directory, and the shared write helpers: the domain error, event rows,
notifications, the personal-data access log. Services are keyword-only, take the acting user as
`actor`, run in a transaction and validate before saving."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Exists, Model, OuterRef
from django.utils import timezone

from .models import AuditEvent, Consent, ConsentDocument, Notification, PersonalDataAccess

logger = logging.getLogger(__name__)


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


def personal_data_log(
    *, actor, action: str, object_type: str, object_id="", records: int = 1, path="", person_ids=()
):
    """Log a read or export of personal data (152-ФЗ). Inside a request it names the request's one
    row (cnppm.readlog writes it, with the people read); outside (Celery, commands) it writes it."""
    from .readlog import note_explicit

    if note_explicit(
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        records=records,
        path=path,
        person_ids=person_ids,
    ):
        return
    PersonalDataAccess.objects.create(
        person_ids=sorted(set(person_ids)),
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type=object_type,
        object_id=str(object_id or ""),
        records=records,
        path=path[:500],
    )


def consent_current_document() -> ConsentDocument | None:
    return ConsentDocument.objects.filter(is_current=True).first()


_CONSENT_EPOCH_KEY = "consent:epoch"
_CONSENT_TTL = 300  # bounds staleness where the cache is per process (no Redis configured)


def _consent_key(user_id) -> str:
    return f"consent:ok:{cache.get(_CONSENT_EPOCH_KEY, 0)}:{user_id}"


def consent_is_given(user) -> bool:
    """Whether the user has a live consent to the current document (true when none is published).
    Every request asks this, so a positive answer is cached: withdrawing drops the user's entry,
    publishing a new redaction moves the epoch and so drops everybody's. Otherwise one query: is
    there a current document without a live consent of this user?
    A withdrawal is read from the user row itself (loaded by every request, session or token), so it
    refuses at once on every worker, whatever a per-process cache still holds."""
    if getattr(user, "consent_withdrawn_at", None) is not None:
        return False
    # A cache that fails (Redis down, whatever the client's settings) is a miss: the database answers.
    try:
        key = _consent_key(user.pk)
        if cache.get(key):
            return True
    except Exception:
        logger.warning("consent check: the cache failed, asking the database", exc_info=True)
        key = None
    live = Consent.objects.filter(document=OuterRef("pk"), user_id=user.pk, withdrawn_at__isnull=True)
    given = not ConsentDocument.objects.filter(is_current=True).filter(~Exists(live)).exists()
    if given and key is not None:
        try:
            cache.set(key, True, _CONSENT_TTL)
        except Exception:
            logger.warning("consent check: the cache failed to store the answer", exc_info=True)
    return given


def _consent_forget(user_id=None) -> None:
    """Drop cached consent answers, one user's or everybody's: now, and again after the commit (a
    request that read the old rows in between may have cached them again)."""

    def forget():
        if user_id is None:
            try:
                cache.incr(_CONSENT_EPOCH_KEY)
            except ValueError:
                cache.set(_CONSENT_EPOCH_KEY, 1, None)
        else:
            cache.delete(_consent_key(user_id))

    forget()
    transaction.on_commit(forget)


@transaction.atomic
def consent_give(*, actor, document: ConsentDocument, ip_address: str | None = None) -> Consent:
    """The actor consents to `document`, which must be the current redaction. A double submit
    gives consent once."""
    document = ConsentDocument.objects.select_for_update().get(pk=document.pk)
    if not document.is_current:
        raise DomainError(
            "Эта редакция согласия больше не действует. Обновите страницу и ознакомьтесь с новой."
        )
    existing = Consent.objects.filter(user=actor, document=document, withdrawn_at__isnull=True).first()
    if existing:
        return existing
    consent = Consent.objects.create(user=actor, document=document, ip_address=ip_address or None)
    event_record(actor=actor, target=consent, verb="consent_given", new=document.version)
    _consent_withdrawal_mark(actor, None)
    return consent


def _consent_withdrawal_mark(user, when) -> None:
    """Record (or clear, `when` None) a withdrawal on the user and their person: the user row drives
    the gate, the person row the scoping (access.person_q) and the computations."""
    from django.contrib.auth import get_user_model

    from .models import Person

    get_user_model()._default_manager.filter(pk=user.pk).update(consent_withdrawn_at=when)
    Person.objects.filter(user_id=user.pk).update(consent_withdrawn_at=when)
    user.consent_withdrawn_at = when


@transaction.atomic
def consent_withdraw(*, actor) -> int:
    """Withdraw every live consent of the actor (152-ФЗ ст. 9 ч. 2); the rows stay with the time. From
    the commit on the person is hidden from everybody else and left out of computations (README,
    "Отзыв согласия"); they may still sign in, see the withdrawal and consent again."""
    now = timezone.now()
    consents = list(
        Consent.objects.select_for_update()
        .select_related("document")
        .filter(user=actor, withdrawn_at__isnull=True)
    )
    for consent in consents:
        consent.withdrawn_at = now
        consent.save(update_fields=["withdrawn_at"])
        event_record(actor=actor, target=consent, verb="consent_withdrawn", old=consent.document.version)
    if consents:
        _consent_withdrawal_mark(actor, now)
        _consent_withdrawal_end_support(actor, now)
    _consent_forget(actor.pk)
    return len(consents)


def _consent_withdrawal_end_support(user, when) -> None:
    """A supporter who withdrew is no longer processed as anyone's curator, tutor or mentor: their
    active assignments end (with an event row each), and the participants show up in the operator's
    queue of routes without a curator instead of naming a person whose data is hidden."""
    from .models import SupportAssignment

    active = list(
        SupportAssignment.objects.select_for_update().filter(
            supporter__user_id=user.pk, ended_at__isnull=True
        )
    )
    for assignment in active:
        assignment.ended_at = when
        assignment.save(update_fields=["ended_at"])
        event_record(
            actor=user,
            target=assignment,
            verb="support_ended",
            field=assignment.role,
            comment="Сопровождающий отозвал согласие на обработку персональных данных",
        )


@transaction.atomic
def consent_document_publish(*, actor, document: ConsentDocument) -> ConsentDocument:
    """Make `document` the current redaction. Consents to earlier redactions stop counting, so
    everybody is asked to consent again at their next request."""
    if not document.pk:
        raise DomainError("Сначала сохраните текст согласия.")
    if not document.text.strip() or not document.version.strip():
        raise DomainError("У редакции согласия должны быть версия и текст.")
    previous = (
        ConsentDocument.objects.select_for_update().filter(is_current=True).exclude(pk=document.pk).first()
    )
    if previous is None and document.is_current:
        return document
    if previous is not None:
        previous.is_current = False
        previous.save(update_fields=["is_current"])
    document.is_current = True
    document.published_at = timezone.now()
    document.save(update_fields=["is_current", "published_at"])
    _consent_forget()
    event_record(
        actor=actor,
        target=document,
        verb="consent_document_published",
        field="is_current",
        old=previous.version if previous else "",
        new=document.version,
    )
    return document


@transaction.atomic
def account_password_changed(*, actor) -> bool:
    """After the actor changed (or reset) their password: an issued password no longer needs
    changing. Returns whether the flag was cleared."""
    from django.contrib.auth import get_user_model

    user = get_user_model()._default_manager.select_for_update().get(pk=actor.pk)
    if not user.must_change_password:
        return False
    user.must_change_password = False
    user.save(update_fields=["must_change_password"])
    actor.must_change_password = False
    event_record(
        actor=user, target=user, verb="password_changed", field="must_change_password", old=True, new=False
    )
    return True


@transaction.atomic
def person_profile_update(*, actor, person, data: dict) -> list[str]:
    """The actor corrects their own profile (card section 1). `data` holds cleaned values of
    cnppm.forms.PROFILE_FIELDS; each changed field writes an event row. Returns the changed fields."""
    from .forms import PROFILE_FIELDS
    from .models import Person

    if person.user_id is None or person.user_id != actor.pk:
        raise DomainError("Изменять можно только собственный профиль.")
    unknown = set(data) - set(PROFILE_FIELDS)
    if unknown:
        raise DomainError("Эти сведения изменяет оператор ЦНППМ: " + ", ".join(sorted(unknown)) + ".")
    person = Person.objects.select_for_update().get(pk=person.pk)
    changed = []
    for name, value in data.items():
        if name == "subjects":
            old_ids = set(person.subjects.values_list("pk", flat=True))
            new_ids = {s.pk for s in value}
            if old_ids != new_ids:
                old_names = ", ".join(sorted(str(s) for s in person.subjects.all()))
                person.subjects.set(value)
                event_record(
                    actor=actor,
                    target=person,
                    verb="profile_updated",
                    field=name,
                    old=old_names,
                    new=", ".join(sorted(str(s) for s in value)),
                )
                changed.append(name)
            continue
        old = getattr(person, name)
        if (old if old is not None else "") == (value if value is not None else ""):
            continue
        setattr(person, name, value)
        event_record(actor=actor, target=person, verb="profile_updated", field=name, old=old, new=value)
        changed.append(name)
    scalar = [f for f in changed if f != "subjects"]
    if scalar:
        person.save(update_fields=[*scalar, "updated_at"])
    return changed
