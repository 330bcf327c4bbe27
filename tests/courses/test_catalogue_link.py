"""A catalogue activity of the kind «course» points to a programme (issue 12.1): the operator links
it on the catalogue form; another region's programme is refused; old activities stay valid."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cnppm.services import DomainError
from routes.models import Activity
from routes.services.catalogue import catalogue_activity_update
from tests.cnppm.factories import RegionFactory
from tests.courses.factories import ProgrammeFactory
from tests.helpers import login
from tests.routes.factories import ActivityFactory, teacher_blocks

pytestmark = pytest.mark.django_db


def test_operator_links_a_catalogue_activity_to_a_programme(client, world):
    programme = ProgrammeFactory(region=world["m1"].region, title="Смысловое чтение")
    activity = ActivityFactory(competences=teacher_blocks()[:1])
    assert activity.programme is None  # existing activities stay valid without a programme
    login(client, world["operator"])
    form = client.get(reverse("routes:catalogue_edit", args=[activity.pk])).content.decode()
    assert "Смысловое чтение" in form
    catalogue_activity_update(actor=world["operator"].user, activity=activity, data={"programme": programme})
    assert Activity.objects.get(pk=activity.pk).programme == programme
    foreign = ProgrammeFactory(region=RegionFactory(name="Другая область", code="R9"))
    with pytest.raises(DomainError, match="программа курса не найдена"):
        catalogue_activity_update(
            actor=world["operator"].user, activity=activity, data={"programme": foreign}
        )
    assert Activity.objects.get(pk=activity.pk).programme == programme


def test_municipal_methodist_form_has_no_programme(client, world):
    activity = ActivityFactory(level="municipal", municipality=world["m1"], competences=teacher_blocks()[:1])
    login(client, world["municipal_methodist"])
    form = client.get(reverse("routes:catalogue_edit", args=[activity.pk])).content.decode()
    assert 'name="programme"' not in form
