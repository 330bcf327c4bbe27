from cnppm import access
from cnppm.models import Person


def visible(world, role):
    return set(access.people(world[role].user).values_list("pk", flat=True))


def test_people_scope_per_role(world):
    teacher, other = world["teacher"].pk, world["other_teacher"].pk
    assert visible(world, "teacher") == {teacher}
    for role in ("mentor", "curator", "tutor"):
        assert teacher in visible(world, role) and other not in visible(world, role)
    assert visible(world, "school_head") == set(
        Person.objects.filter(organization=world["o1"]).values_list("pk", flat=True)
    )
    mm = visible(world, "municipal_methodist")
    assert teacher in mm and other not in mm
    assert visible(world, "operator") == set(Person.objects.values_list("pk", flat=True))
    assert visible(world, "regional_methodist") == set(Person.objects.values_list("pk", flat=True))
    assert visible(world, "ministry") == {world["ministry"].pk}
    assert visible(world, "expert") == {world["expert"].pk}


def test_ended_assignment_hides_the_teacher(world):
    from django.utils import timezone

    world["teacher"].support_assignments.filter(role="curator").update(ended_at=timezone.now())
    assert world["teacher"].pk not in visible(world, "curator")


def test_aggregate_scope(world):
    assert set(access.municipalities(world["ministry"].user)) == {world["m1"], world["m2"]}
    assert set(access.municipalities(world["municipal_methodist"].user)) == {world["m1"]}
    assert not access.municipalities(world["teacher"].user).exists()
