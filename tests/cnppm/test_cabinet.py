"""The personal cabinet: profile, roles, support, consent, time zone of the user's region,
profile editing, notifications."""

from datetime import UTC, datetime

import pytest

from cnppm.choices import QualificationCategory, Role
from cnppm.models import AuditEvent, Consent, ConsentDocument, Notification, Region
from tests.cnppm.factories import MunicipalityFactory, OrganizationFactory, SubjectFactory, make_person
from tests.helpers import ALL_ROLES, assert_matrix, login

pytestmark = pytest.mark.django_db

SIGNED_IN = set(ALL_ROLES) - {"anonymous"}


def test_cabinet_and_notifications_matrix(client, world):
    for url in ("/cabinet/", "/notifications/", "/cabinet/profile/"):
        assert_matrix(client, world, url, SIGNED_IN)


def test_cabinet_shows_profile_roles_and_support(client, world):
    teacher = world["teacher"]
    teacher.last_name, teacher.first_name, teacher.middle_name = "Петрова", "Анна", "Сергеевна"
    teacher.position = "учитель физики"
    teacher.qualification_category = QualificationCategory.HIGHEST
    teacher.save()
    world["curator"].last_name = "Кураторова"
    world["curator"].save()
    login(client, teacher)
    html = client.get("/cabinet/").content.decode()
    assert "Петрова Анна Сергеевна" in html
    assert "учитель физики" in html
    assert "высшая" in html
    assert "Школа 1" in html
    assert "<li>педагог</li>" in html
    assert "Куратор: Кураторова" in html
    assert "Наставник: " in html and "Тьютор: " in html
    assert "Сменить пароль" in html
    # the menu: a teacher has no directory of other people
    assert 'href="/people/"' not in html and 'href="/organizations/"' not in html


def test_cabinet_menu_by_role(client, world):
    login(client, world["municipal_methodist"])
    html = client.get("/cabinet/").content.decode()
    assert "Справочник педагогов" in html and "Организации" in html
    assert 'aria-current="page"' in html
    login(client, world["ministry"])
    html = client.get("/cabinet/").content.decode()
    assert "Справочник педагогов" not in html and "Организации" in html


def _region_person(tz):
    region = Region.objects.create(name=f"Регион {tz}", code=tz[-3:], timezone=tz)
    org = OrganizationFactory(municipality=MunicipalityFactory(region=region))
    return make_person(Role.TEACHER, organization=org, username=f"u-{tz[-3:].lower()}")


def test_times_are_shown_in_the_region_time_zone(client):
    document = ConsentDocument.objects.create(version="1.0", title="Согласие", text="Текст", is_current=True)
    moment = datetime(2025, 1, 10, 0, 0, tzinfo=UTC)
    for tz, shown in (("Asia/Vladivostok", "10.01.2025 10:00"), ("Europe/Moscow", "10.01.2025 03:00")):
        person = _region_person(tz)
        Consent.objects.create(user=person.user, document=document, given_at=moment)
        Notification.objects.create(recipient=person.user, text="Маршрут согласован", created_at=moment)
        login(client, person)
        cabinet = client.get("/cabinet/").content.decode()
        assert f"Дано {shown}, редакция 1.0" in cabinet
        assert f'<span id="cabinet-tz">{tz}</span>' in cabinet
        assert f"Время указано по часовому поясу {tz}" in cabinet
        notes = client.get("/notifications/").content.decode()
        assert f">{shown}</time>" in notes


def test_a_changed_region_zone_applies_at_next_login(client):
    person = _region_person("Asia/Vladivostok")
    login(client, person)
    assert '<span id="cabinet-tz">Asia/Vladivostok</span>' in client.get("/cabinet/").content.decode()
    Region.objects.filter(pk=person.organization.municipality.region_id).update(timezone="Asia/Kamchatka")
    login(client, person)
    assert '<span id="cabinet-tz">Asia/Kamchatka</span>' in client.get("/cabinet/").content.decode()


def test_user_without_person_gets_the_portal_zone(client, settings):
    from tests.cnppm.factories import UserFactory

    user = UserFactory(username="lonely")
    client.force_login(user)
    html = client.get("/cabinet/").content.decode()
    assert "Учётная запись не связана с профилем педагога" in html
    assert '<span id="cabinet-tz">Europe/Moscow</span>' in html
    assert client.get("/cabinet/profile/").status_code == 404


def test_profile_edit_saves_changes_with_events(client, world):
    teacher = world["teacher"]
    physics = SubjectFactory(code="physics", name="Физика")
    login(client, teacher)
    page = client.get("/cabinet/profile/").content.decode()
    assert '<label class="form-label" for="id_position">Должность</label>' in page
    assert "Физика" in page
    data = {
        "position": "учитель физики и информатики",
        "education": "higher",
        "experience_years": "12",
        "qualification_category": "highest",
        "attestation_date": "2024-03-15",
        "courses_last_3_years": "ДПП ПК «Цифровая дидактика», 36 ч., 2024",
        "academic_degree": "",
        "academic_title": "",
        "awards": "",
        "subjects": [str(physics.pk)],
        "additional_info": "",
        # not in the form: ignored
        "last_name": "Хакеров",
    }
    response = client.post("/cabinet/profile/", data, follow=True)
    html = response.content.decode()
    assert "Профиль сохранён, изменено полей: 6." in html
    teacher.refresh_from_db()
    assert teacher.position == "учитель физики и информатики"
    assert teacher.experience_years == 12
    assert teacher.last_name != "Хакеров"
    assert list(teacher.subjects.values_list("name", flat=True)) == ["Физика"]
    fields = set(AuditEvent.objects.filter(verb="profile_updated").values_list("field", flat=True))
    assert fields == {
        "position",
        "experience_years",
        "qualification_category",
        "attestation_date",
        "courses_last_3_years",
        "subjects",
    }
    assert "учитель физики и информатики" in html and "15.03.2024" in html

    # nothing changed the second time
    response = client.post("/cabinet/profile/", data, follow=True)
    assert "Изменений нет." in response.content.decode()


def test_profile_edit_refuses_bad_input_in_russian(client, world):
    teacher = world["teacher"]
    login(client, teacher)
    response = client.post(
        "/cabinet/profile/",
        {
            "position": "учитель",
            "experience_years": "200",
            "qualification_category": "first",
            "attestation_date": "завтра",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Стаж не может превышать 70 лет." in html
    assert "Введите правильную дату." in html
    assert 'aria-invalid="true"' in html
    teacher.refresh_from_db()
    assert teacher.experience_years == 10
    assert not AuditEvent.objects.filter(verb="profile_updated").exists()


def test_profile_update_service_refuses_another_persons_profile(world):
    from cnppm import services

    with pytest.raises(services.DomainError, match="только собственный профиль"):
        services.person_profile_update(
            actor=world["operator"].user, person=world["teacher"], data={"position": "x"}
        )
    with pytest.raises(services.DomainError, match="оператор ЦНППМ"):
        services.person_profile_update(
            actor=world["teacher"].user, person=world["teacher"], data={"last_name": "x"}
        )


def test_notifications_are_listed_and_marked_read(client, world):
    user = world["teacher"].user
    Notification.objects.create(recipient=user, text="Куратор оставил комментарий", url="/routes/")
    Notification.objects.create(recipient=world["other_teacher"].user, text="Чужое уведомление")
    login(client, world["teacher"])
    cabinet = client.get("/cabinet/").content.decode()
    assert "Уведомления: непрочитанных 1" in cabinet
    html = client.get("/notifications/").content.decode()
    assert "Новых: 1." in html
    assert '<a href="/routes/">Куратор оставил комментарий</a>' in html
    assert "Чужое уведомление" not in html
    assert not user.notifications.filter(read_at__isnull=True).exists()
    assert "Новых уведомлений нет." in client.get("/notifications/").content.decode()
