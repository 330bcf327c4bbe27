"""Assignment of curators, tutors and mentors to participants (issue 4, part B).

A curator and a tutor per participant, matched by subject area (the participant's subjects against the
areas in the supporter's RoleAssignment.subjects); a mentor from the participant's own organization,
with the school order's number and date. Reassigning ends the old assignment and starts a new one.
Balancing proposes, greedily and deterministically, an assignment that keeps every caseload within the
norm (settings.SUPPORT_NORM); the operator reviews it and applies it atomically, the norm re-checked.
Every change writes an event row."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from cnppm import access
from cnppm.choices import Role, SupportRole
from cnppm.models import Person, RoleAssignment, Subject, SupportAssignment
from cnppm.russian import past_verb, person_name
from cnppm.services import DomainError, event_record

from ..selectors_caseload import (
    STAFF_ROLE,
    active_assignments,
    support_loads,
    support_norm,
    supporter_subject_ids,
)

ROLE_GENITIVE_PLURAL = {
    SupportRole.CURATOR: "кураторов",
    SupportRole.TUTOR: "тьюторов",
    SupportRole.MENTOR: "наставников",
}
ROLE_NOMINATIVE_PLURAL = {
    SupportRole.CURATOR: "кураторы",
    SupportRole.TUTOR: "тьюторы",
    SupportRole.MENTOR: "наставники",
}
ROLE_NOMINATIVE = {
    SupportRole.CURATOR: "куратор",
    SupportRole.TUTOR: "тьютор",
    SupportRole.MENTOR: "наставник",
}
BALANCED_ROLES = (SupportRole.CURATOR, SupportRole.TUTOR)


def _check_role(role: str) -> None:
    if role not in SupportRole.values:
        raise DomainError("Неизвестная роль сопровождения: выберите куратора, тьютора или наставника.")


def can_assign(actor, role: str, person: Person) -> bool:
    """Operators assign everyone; a school head assigns mentors inside their own organization."""
    if access.has_role(actor, Role.OPERATOR):
        return True
    return (
        role == SupportRole.MENTOR
        and access.has_role(actor, Role.SCHOOL_HEAD)
        and person.organization_id in access.scope_of(actor).organization_ids
    )


def _require_can_assign(actor, role: str, person: Person) -> None:
    if not can_assign(actor, role, person):
        raise DomainError(
            "Назначать сопровождающих может оператор ЦНППМ; наставников — также руководитель своей организации.",
            code="forbidden",
        )


SUPPORTER_NOT_FOUND = "Сотрудник не найден."
SELF_SUPPORT = (
    "Нельзя назначить человека сопровождающим самого себя: его ИОМ проверяет и сопровождает другой сотрудник."
)


def _supporter(actor, supporter_id) -> Person:
    """The supporter, looked up only among the people the actor may assign (access.supporters). Any
    other id, in another region or school, gets the same message as a missing one, never a name."""
    try:
        return (
            access.supporters(actor)
            .select_related("organization")
            .get(pk=getattr(supporter_id, "pk", supporter_id))
        )
    except (Person.DoesNotExist, ValueError, TypeError):
        raise DomainError(SUPPORTER_NOT_FOUND, code="not_found") from None


def refuse_self_support(person_id: int, supporter_id: int) -> None:
    """Nobody supports, reviews or approves their own route: the one rule for every path that makes
    an assignment (a page, the API, bulk assignment, balancing)."""
    if person_id == supporter_id:
        raise DomainError(SELF_SUPPORT, code="self")


def _participant(actor, person_id) -> Person:
    try:
        return access.people(actor).select_related("organization").get(pk=getattr(person_id, "pk", person_id))
    except (Person.DoesNotExist, ValueError, TypeError):
        raise DomainError("Педагог не найден или находится вне вашей области доступа.") from None


def _subject_names(ids) -> str:
    return ", ".join(
        Subject.objects.filter(pk__in=ids).order_by("order", "name").values_list("name", flat=True)
    )


def _pick_subject(*, role, person: Person, supporter: Person, subject: Subject | None) -> Subject | None:
    """The subject area the pair works in: a subject of the participant the supporter covers."""
    person_subjects = set(person.subjects.values_list("pk", flat=True))
    if not person_subjects:
        return subject  # nothing to match against: the operator's choice stands
    covered = supporter_subject_ids(role=role, supporter_ids=[supporter.pk]).get(supporter.pk, set())
    common = person_subjects & covered
    if not common:
        raise DomainError(
            f"{ROLE_NOMINATIVE[role].capitalize()} {supporter.short_name} не сопровождает предметные области "
            f"педагога ({_subject_names(person_subjects)}). Чтобы назначить, добавьте предметную область "
            "педагога в профиль сопровождающего (Закрепление → Профили сопровождающих) или выберите другого.",
            code="subjects_not_covered",
        )
    if subject is not None:
        if subject.pk not in common:
            raise DomainError(
                f"Предметная область «{subject.name}» не совпадает с областями педагога и сопровождающего "
                f"(общие: {_subject_names(common)})."
            )
        return subject
    return Subject.objects.filter(pk__in=common).order_by("order", "name").first()


def _validate_pair(
    *, role: str, person: Person, supporter: Person, subject, order_number: str, order_date
) -> Subject | None:
    refuse_self_support(person.pk, supporter.pk)
    if not RoleAssignment.objects.filter(person_id=supporter.pk, role=STAFF_ROLE[role]).exists():
        raise DomainError(
            f"У {supporter.short_name} нет роли «{Role(STAFF_ROLE[role]).label}»: назначьте роль в справочнике."
        )
    if role == SupportRole.MENTOR:
        if supporter.organization_id != person.organization_id:
            raise DomainError(
                f"Наставник должен работать в той же организации, что и педагог: {person.short_name} — "
                f"{person.organization}, {supporter.short_name} — {supporter.organization}."
            )
        if not (order_number or "").strip() or order_date is None:
            raise DomainError(
                "Укажите номер и дату приказа образовательной организации о закреплении наставника."
            )
        return subject
    return _pick_subject(role=role, person=person, supporter=supporter, subject=subject)


def _end(assignment: SupportAssignment, *, actor, now, comment: str) -> None:
    assignment.ended_at = now
    assignment.save(update_fields=["ended_at"])
    event_record(
        actor=actor,
        target=assignment,
        verb="support_ended",
        field=assignment.role,
        old=assignment.supporter.full_name,
        comment=comment,
    )


@transaction.atomic
def support_assign(
    *,
    actor,
    person: Person,
    supporter: Person | int,
    role: str,
    subject: Subject | None = None,
    order_number: str = "",
    order_date: datetime.date | None = None,
    comment: str = "",
) -> SupportAssignment:
    """Attach `supporter` to `person` in `role`. An active assignment in the same role is ended first
    (reassignment). Refuses a mentor from another organization, a supporter without the role, an area
    mismatch, and the same supporter twice."""
    _check_role(role)
    person = _participant(actor, person)
    _require_can_assign(actor, role, person)
    supporter = _supporter(actor, supporter)
    current = (
        SupportAssignment.objects.select_for_update()
        .select_related("supporter")
        .filter(person=person, role=role, ended_at__isnull=True)
        .first()
    )
    if current is not None and current.supporter_id == supporter.pk:
        raise DomainError(
            f"{supporter.short_name} уже {past_verb(supporter, 'закреплён', 'закреплена')} за педагогом "
            f"{person.short_name} как {ROLE_NOMINATIVE[role]}.",
            code="duplicate",
        )
    subject = _validate_pair(
        role=role,
        person=person,
        supporter=supporter,
        subject=subject,
        order_number=order_number,
        order_date=order_date,
    )
    now = timezone.now()
    if current is not None:
        _end(current, actor=actor, now=now, comment=comment or "замена сопровождающего")
    try:
        with transaction.atomic():
            assignment = SupportAssignment.objects.create(
                person=person,
                supporter=supporter,
                role=role,
                subject=subject,
                order_number=(order_number or "").strip() if role == SupportRole.MENTOR else "",
                order_date=order_date if role == SupportRole.MENTOR else None,
                assigned_by=actor if getattr(actor, "pk", None) else None,
                started_at=now,
            )
    except IntegrityError:
        raise DomainError(
            "Закрепление уже изменено другим пользователем; обновите страницу.", code="conflict"
        ) from None
    event_record(
        actor=actor,
        target=assignment,
        verb="support_assigned",
        field=role,
        old=current.supporter.full_name if current else "",
        new=supporter.full_name,
        comment=comment,
    )
    return assignment


@transaction.atomic
def support_end(*, actor, assignment: SupportAssignment, comment: str = "") -> SupportAssignment:
    """End an active assignment (the participant is left without a supporter in that role)."""
    person = _participant(actor, assignment.person_id)
    _require_can_assign(actor, assignment.role, person)
    locked = SupportAssignment.objects.select_for_update().select_related("supporter").get(pk=assignment.pk)
    if locked.ended_at is not None:
        raise DomainError("Это закрепление уже завершено.", code="duplicate")
    _end(locked, actor=actor, now=timezone.now(), comment=comment)
    return locked


@dataclass
class BulkResult:
    assigned: int = 0
    already: int = 0
    replaced: int = 0


@transaction.atomic
def support_bulk_assign(
    *,
    actor,
    person_ids: list[int],
    supporter: Person,
    role: str,
    subject: Subject | None = None,
    order_number: str = "",
    order_date: datetime.date | None = None,
    replace: bool = False,
    comment: str = "",
) -> BulkResult:
    """Attach one supporter to many participants (chosen by municipality, organization, subject).
    All or nothing: any refused participant refuses the whole batch with the names listed.
    Participants who already have someone in the role are skipped unless `replace`."""
    _check_role(role)
    ids = sorted({int(i) for i in person_ids})
    if not ids:
        raise DomainError("Не выбран ни один педагог.")
    people = list(access.people(actor).select_related("organization").filter(pk__in=ids))
    if len(people) != len(ids):
        raise DomainError(
            "Часть выбранных педагогов не найдена или вне вашей области доступа; ничего не изменено."
        )
    supporter = _supporter(actor, supporter)
    current = {
        a.person_id: a
        for a in active_assignments()
        .select_for_update()
        .filter(person_id__in=ids, role=role)
        .select_related("supporter")
    }
    errors, todo, codes = [], [], set()
    result = BulkResult()
    for person in people:
        existing = current.get(person.pk)
        if existing is not None and (existing.supporter_id == supporter.pk or not replace):
            result.already += 1
            continue
        try:
            _require_can_assign(actor, role, person)
            pair_subject = _validate_pair(
                role=role,
                person=person,
                supporter=supporter,
                subject=subject,
                order_number=order_number,
                order_date=order_date,
            )
        except DomainError as exc:
            errors.append(f"{person.short_name}: {exc.message}")
            codes.add(exc.code)
            continue
        todo.append((person, pair_subject, existing))
    if errors:
        shown = "; ".join(errors[:5]) + (f"; и ещё {len(errors) - 5}" if len(errors) > 5 else "")
        # When the supporter's subject areas are the only reason, say so: the page links what fixes it.
        code = "subjects_not_covered" if codes == {"subjects_not_covered"} else "invalid"
        raise DomainError(f"Назначение не выполнено, ничего не изменено. {shown}", code=code)
    now = timezone.now()
    for person, pair_subject, existing in todo:
        if existing is not None:
            _end(existing, actor=actor, now=now, comment=comment or "замена сопровождающего (массово)")
            result.replaced += 1
        assignment = SupportAssignment.objects.create(
            person=person,
            supporter=supporter,
            role=role,
            subject=pair_subject,
            order_number=(order_number or "").strip() if role == SupportRole.MENTOR else "",
            order_date=order_date if role == SupportRole.MENTOR else None,
            assigned_by=actor if getattr(actor, "pk", None) else None,
            started_at=now,
        )
        event_record(
            actor=actor,
            target=assignment,
            verb="support_assigned",
            field=role,
            old=existing.supporter.full_name if existing else "",
            new=supporter.full_name,
            comment=comment or "массовое назначение",
        )
        result.assigned += 1
    return result


# --- Balancing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProposedPair:
    person_id: int
    person_name: str
    organization: str
    supporter_id: int
    supporter_name: str
    subject_id: int | None
    subject_name: str

    @property
    def token(self) -> str:
        """How the pair travels through the review form: person:supporter:subject."""
        return f"{self.person_id}:{self.supporter_id}:{self.subject_id or ''}"


@dataclass(frozen=True)
class Unplaced:
    person_id: int
    person_name: str
    organization: str
    reason: str


@dataclass(frozen=True)
class SupporterLoad:
    supporter_id: int
    name: str
    before: int
    after: int
    norm: int

    @property
    def added(self) -> int:
        return self.after - self.before

    @property
    def over_norm(self) -> bool:
        return self.after > self.norm


@dataclass
class BalanceProposal:
    role: str
    norm: int
    pairs: list[ProposedPair] = field(default_factory=list)
    unplaced: list[Unplaced] = field(default_factory=list)
    loads: list[SupporterLoad] = field(default_factory=list)

    @property
    def participants(self) -> int:
        return len(self.pairs) + len(self.unplaced)


def _require_balancing(actor, role: str) -> None:
    _check_role(role)
    if role not in BALANCED_ROLES:
        raise DomainError(
            "Балансировка выполняется для кураторов и тьюторов; наставника назначает школа приказом."
        )
    if not access.has_role(actor, Role.OPERATOR):
        raise DomainError("Балансировку нагрузки выполняет оператор ЦНППМ.", code="forbidden")


def support_balance_propose(
    *, actor, role: str, municipality_id=None, organization_id=None, subject_id=None
) -> BalanceProposal:
    """Propose curators (or tutors) for participants who have none: for each participant, the least
    loaded supporter covering one of their subject areas, never above the norm. Participants with
    fewest candidates go first so that scarce areas are not used up by others. Deterministic: ties
    break by name and id. Reads only; `support_balance_apply` writes."""
    _require_balancing(actor, role)
    from ..selectors_caseload import participants_qs

    norm = support_norm()
    participants = list(
        participants_qs(
            user=actor,
            municipality_id=municipality_id,
            organization_id=organization_id,
            subject_id=subject_id,
            missing_role=role,
        )
    )
    supporters = {
        p.pk: p
        for p in access.supporters(actor)
        .filter(Exists(RoleAssignment.objects.filter(person_id=OuterRef("pk"), role=STAFF_ROLE[role])))
        .only("id", "last_name", "first_name", "middle_name")
    }
    covered = supporter_subject_ids(role=role, supporter_ids=supporters)
    before = support_loads(role=role, supporter_ids=supporters)
    load = {pk: before.get(pk, 0) for pk in supporters}
    by_subject: dict[int, list[int]] = {}
    for supporter_id, subject_ids in covered.items():
        for subject_pk in subject_ids:
            by_subject.setdefault(subject_pk, []).append(supporter_id)
    subjects = {s.pk: s for s in Subject.objects.all()}

    def subject_key(pk):
        return (subjects[pk].order, subjects[pk].name, pk)

    def candidates(person) -> set[int]:
        result = set()
        for s in person.subjects.all():
            result.update(by_subject.get(s.pk, ()))
        result.discard(person.pk)  # never one's own curator or tutor (refuse_self_support)
        return result

    def name_key(pk):
        p = supporters[pk]
        return (p.last_name, p.first_name, p.middle_name, pk)

    order = sorted(participants, key=lambda p: (len(candidates(p)), p.last_name, p.first_name, p.pk))
    proposal = BalanceProposal(role=role, norm=norm)
    for person in order:
        own = {s.pk for s in person.subjects.all()}
        row = (person.pk, person.full_name, str(person.organization))
        if not own:
            proposal.unplaced.append(Unplaced(*row, reason="У педагога не указаны предметные области."))
            continue
        matching = candidates(person)
        names = ", ".join(subjects[pk].name for pk in sorted(own, key=subject_key))
        if not matching:
            proposal.unplaced.append(
                Unplaced(*row, reason=f"Нет {ROLE_GENITIVE_PLURAL[role]} по предметным областям: {names}.")
            )
            continue
        free = [pk for pk in matching if load[pk] < norm]
        if not free:
            proposal.unplaced.append(
                Unplaced(
                    *row,
                    reason=f"Все {ROLE_NOMINATIVE_PLURAL[role]} по предметным областям "
                    f"({names}) загружены до нормы {norm}.",
                )
            )
            continue
        chosen = min(free, key=lambda pk: (load[pk], *name_key(pk)))
        subject_pk = min(own & covered[chosen], key=subject_key)
        load[chosen] += 1
        proposal.pairs.append(
            ProposedPair(
                person_id=person.pk,
                person_name=person.full_name,
                organization=str(person.organization),
                supporter_id=chosen,
                supporter_name=supporters[chosen].full_name,
                subject_id=subject_pk,
                subject_name=subjects[subject_pk].name,
            )
        )
    proposal.pairs.sort(key=lambda p: (p.person_name, p.person_id))
    proposal.unplaced.sort(key=lambda u: (u.person_name, u.person_id))
    proposal.loads = [
        SupporterLoad(
            supporter_id=pk,
            name=supporters[pk].full_name,
            before=before.get(pk, 0),
            after=load[pk],
            norm=norm,
        )
        for pk in sorted(supporters, key=name_key)
    ]
    return proposal


def parse_pair_tokens(tokens) -> list[tuple[int, int, int | None]]:
    """The review form sends `person:supporter:subject` tokens; broken ones are a clear error."""
    pairs = []
    for token in tokens:
        parts = str(token).split(":")
        try:
            person_id, supporter_id = int(parts[0]), int(parts[1])
            subject_id = int(parts[2]) if len(parts) > 2 and parts[2] else None
        except (ValueError, IndexError):
            raise DomainError("Предложение повреждено; сформируйте его заново.") from None
        pairs.append((person_id, supporter_id, subject_id))
    return pairs


@transaction.atomic
def support_balance_apply(*, actor, role: str, pairs: list[tuple[int, int, int | None]]) -> int:
    """Apply a reviewed proposal: all pairs or none. Re-checks everything against the database as it
    is now (someone may have assigned meanwhile): the participant is in scope and still without a
    supporter in the role, the supporter holds the role and covers the area, and no caseload goes
    above the norm. Returns the number of assignments made."""
    _require_balancing(actor, role)
    if not pairs:
        raise DomainError("В предложении нет ни одной пары; ничего не назначено.")
    person_ids = [p for p, _, _ in pairs]
    if len(set(person_ids)) != len(person_ids):
        raise DomainError("Один педагог встречается в предложении дважды; сформируйте его заново.")
    supporter_ids = sorted({s for _, s, _ in pairs})
    # Lock the supporters so that two operators applying at once cannot both pass the norm check.
    supporters = {
        p.pk: p
        for p in access.supporters(actor)
        .select_for_update(of=("self",))
        .filter(pk__in=supporter_ids)
        .order_by("pk")
    }
    people = {p.pk: p for p in access.people(actor).select_related("organization").filter(pk__in=person_ids)}
    busy = set(
        active_assignments().filter(person_id__in=person_ids, role=role).values_list("person_id", flat=True)
    )
    holders = set(
        RoleAssignment.objects.filter(person_id__in=supporter_ids, role=STAFF_ROLE[role]).values_list(
            "person_id", flat=True
        )
    )
    covered = supporter_subject_ids(role=role, supporter_ids=supporter_ids)
    person_subjects: dict[int, set[int]] = {}
    for pid, sid in Person.subjects.through.objects.filter(person_id__in=person_ids).values_list(
        "person_id", "subject_id"
    ):
        person_subjects.setdefault(pid, set()).add(sid)
    loads = support_loads(role=role, supporter_ids=supporter_ids)
    norm = support_norm()
    added: dict[int, int] = {}
    errors = []
    for person_id, supporter_id, subject_id in pairs:
        person = people.get(person_id)
        supporter = supporters.get(supporter_id)
        if person is None:
            errors.append(f"педагог №{person_id} не найден или вне вашей области доступа")
            continue
        if person_id == supporter_id:
            errors.append(f"{person.short_name}: {SELF_SUPPORT[0].lower()}{SELF_SUPPORT[1:]}")
            continue
        if supporter is None or supporter_id not in holders:
            errors.append(
                f"{person.short_name}: выбранный сопровождающий не имеет роли «{ROLE_NOMINATIVE[role]}»"
            )
            continue
        if person_id in busy:
            errors.append(f"{person.short_name}: {ROLE_NOMINATIVE[role]} уже назначен")
            continue
        own = person_subjects.get(person_id, set())
        if subject_id is None or subject_id not in own or subject_id not in covered.get(supporter_id, set()):
            errors.append(f"{person.short_name}: предметная область не совпадает")
            continue
        added[supporter_id] = added.get(supporter_id, 0) + 1
    for supporter_id, extra in added.items():
        total = loads.get(supporter_id, 0) + extra
        if total > norm:
            errors.append(
                f"нагрузка {person_name(supporters[supporter_id], 'gent', 'short')} стала бы {total} при норме {norm}"
            )
    if errors:
        shown = "; ".join(errors[:5]) + (f"; и ещё {len(errors) - 5}" if len(errors) > 5 else "")
        raise DomainError(
            f"Предложение устарело или неверно, ничего не назначено: {shown}. Сформируйте его заново."
        )
    now = timezone.now()
    assigned_by = actor if getattr(actor, "pk", None) else None
    try:
        with transaction.atomic():
            created = SupportAssignment.objects.bulk_create(
                [
                    SupportAssignment(
                        person_id=person_id,
                        supporter_id=supporter_id,
                        role=role,
                        subject_id=subject_id,
                        assigned_by=assigned_by,
                        started_at=now,
                    )
                    for person_id, supporter_id, subject_id in pairs
                ]
            )
    except IntegrityError:
        raise DomainError(
            "Закрепления изменились во время применения; сформируйте предложение заново."
        ) from None
    if any(a.pk is None for a in created):  # backends that do not return ids from bulk_create
        created = list(active_assignments().filter(person_id__in=person_ids, role=role, started_at=now))
    for assignment in created:
        event_record(
            actor=actor,
            target=assignment,
            verb="support_assigned",
            field=role,
            new=supporters[assignment.supporter_id].full_name,
            comment="балансировка нагрузки",
        )
    return len(created)
