"""The permission matrix of the routes pages and endpoints over every role of the world."""

from django.urls import reverse

from routes.choices import RouteStatus as S
from routes.models import Comment, Route
from tests.cnppm.factories import make_person
from tests.helpers import assert_matrix, assert_same_queries, count_queries, login
from tests.routes.factories import make_route
from tests.routes.test_workflow import ready_route

# Who sees the teacher's route: the teacher, their mentor/curator/tutor, the school head, the
# municipal methodist of M1, the region roles. Not: another teacher, the other municipality's
# methodist, the expert, the ministry (aggregates only).
ROUTE_SEERS = {
    "teacher",
    "mentor",
    "curator",
    "tutor",
    "school_head",
    "municipal_methodist",
    "regional_methodist",
    "operator",
}
CIRCLE = {"teacher", "mentor", "curator", "tutor"}


def test_card_and_recommendations_matrix(world, client):
    route = make_route(world["teacher"])
    assert_matrix(client, world, reverse("routes:card", args=[route.pk]), ROUTE_SEERS)
    assert_matrix(client, world, reverse("routes:recommendations", args=[route.pk]), ROUTE_SEERS)
    assert_matrix(client, world, f"/api/v1/routes/{route.pk}/", ROUTE_SEERS)
    assert_matrix(client, world, f"/api/v1/routes/{route.pk}/recommendations/", ROUTE_SEERS)


def test_missing_id_is_the_same_404(world, client):
    login(client, world["operator"])
    assert client.get(reverse("routes:card", args=[999999])).status_code == 404


def test_list_matrix(world, client):
    make_route(world["teacher"])
    assert_matrix(
        client, world, reverse("routes:list"), ROUTE_SEERS | {"other_teacher", "other_municipal_methodist"}
    )
    login(client, world["other_municipal_methodist"])
    assert "Найдено: 0" in client.get(reverse("routes:list")).content.decode()


def test_comments_matrix(world, client):
    route = ready_route(world)
    Comment.objects.create(route=route, author=world["teacher"].user, text="Вопрос")
    assert_matrix(client, world, f"/api/v1/routes/{route.pk}/comments/", CIRCLE)


def test_edit_pages_matrix(world, client):
    route = ready_route(world)
    activity = route.activities.get()
    assert_matrix(client, world, reverse("routes:activity_add", args=[route.pk]), {"teacher"})
    assert_matrix(client, world, reverse("routes:activity_edit", args=[route.pk, activity.pk]), {"teacher"})
    Route.objects.filter(pk=route.pk).update(status=S.IN_PROGRESS)
    assert_matrix(client, world, reverse("routes:activity_mark", args=[route.pk, activity.pk]), CIRCLE)
    assert_matrix(
        client,
        world,
        reverse("routes:activity_add", args=[route.pk]),
        {"teacher", "curator", "regional_methodist"},
    )


def test_list_page_query_count(world, client):
    login(client, world["operator"])
    make_route(world["teacher"])
    client.get(reverse("routes:list"))
    small = count_queries(lambda: client.get(reverse("routes:list")))
    for i in range(5):
        make_route(make_person("teacher", organization=world["o2"], username=f"lq{i}"))
    large = count_queries(lambda: client.get(reverse("routes:list")))
    assert_same_queries(small, large)
    assert "Найдено: 6" in client.get(reverse("routes:list")).content.decode()


def test_card_page_query_count(world, client):
    route = ready_route(world, S.IN_PROGRESS)
    login(client, world["teacher"])
    url = reverse("routes:card", args=[route.pk])
    client.get(url)
    small = count_queries(lambda: client.get(url))
    from routes.services.comments import comment_add
    from routes.services.routes import route_activity_add_manual
    from tests.routes.factories import teacher_blocks

    Route.objects.filter(pk=route.pk).update(status=S.DRAFT)
    for i in range(4):
        route_activity_add_manual(
            actor=world["teacher"].user,
            route=route,
            title=f"Мероприятие {i}",
            competences=teacher_blocks()[:2],
            level="institutional",
            organizer="Школа",
            starts_on=None,
            ends_on=None,
            result_form="отчёт",
        )
        comment_add(actor=world["curator"].user, route=route, text=f"Комментарий {i}")
    Route.objects.filter(pk=route.pk).update(status=S.IN_PROGRESS)
    large = count_queries(lambda: client.get(url))
    assert_same_queries(small, large)
