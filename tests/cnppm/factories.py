"""Factories of the staff directory. Related objects stay consistent: a person's organization is in
the municipality the test asks for, a school head's scope is their own school."""

import factory
from django.contrib.auth import get_user_model

from cnppm.choices import Education, MunicipalityKind, OrganizationKind, QualificationCategory, Role
from cnppm.models import (
    Municipality,
    Organization,
    Person,
    Region,
    RoleAssignment,
    Subject,
    SupportAssignment,
)

PASSWORD = "test-pass-123"


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    name = "Тестовая область"
    code = "RG"


class MunicipalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Municipality

    region = factory.SubFactory(RegionFactory)
    name = factory.Sequence(lambda n: f"Муниципалитет {n}")
    code = factory.Sequence(lambda n: f"M{n:03d}")
    kind = MunicipalityKind.DISTRICT


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    municipality = factory.SubFactory(MunicipalityFactory)
    short_name = factory.Sequence(lambda n: f"МБОУ СОШ №{n}")
    full_name = factory.LazyAttribute(
        lambda o: f"Муниципальное бюджетное общеобразовательное учреждение {o.short_name}"
    )
    kind = OrganizationKind.SCHOOL


class SubjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subject
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"subject-{n}")
    name = factory.Sequence(lambda n: f"Предмет {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.ru")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    last_name = factory.Sequence(lambda n: f"Иванов{n}")
    first_name = "Иван"
    middle_name = "Иванович"
    email = factory.LazyAttribute(lambda p: p.user.email if p.user else "")
    position = "учитель"
    education = Education.HIGHER
    experience_years = 10
    qualification_category = QualificationCategory.FIRST


def make_person(role: str | None = Role.TEACHER, *, organization=None, username=None, **kwargs) -> Person:
    """A person with a login and one role whose scope follows the organization: a school head gets
    their school, a municipal methodist its municipality, region roles and the ministry the region."""
    organization = organization or OrganizationFactory()
    user_kwargs = {"username": username} if username else {}
    person = PersonFactory(organization=organization, user=UserFactory(**user_kwargs), **kwargs)
    if role:
        grant_role(person, role)
    return person


def grant_role(person: Person, role: str, **extra) -> RoleAssignment:
    org = person.organization
    scope = {}
    if role == Role.SCHOOL_HEAD:
        scope["organization"] = org
    elif role == Role.MUNICIPAL_METHODIST:
        scope["municipality"] = org.municipality
    elif role in (Role.OPERATOR, Role.REGIONAL_METHODIST, Role.MINISTRY):
        scope["region"] = org.municipality.region
    return RoleAssignment.objects.create(person=person, role=role, **scope, **extra)


def assign_support(person: Person, supporter: Person, role: str, **kwargs) -> SupportAssignment:
    return SupportAssignment.objects.create(person=person, supporter=supporter, role=role, **kwargs)
