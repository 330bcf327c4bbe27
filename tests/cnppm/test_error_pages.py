from tests.helpers import login


def test_not_found_page_is_russian_and_does_not_say_why(world, client, settings):
    settings.DEBUG = False
    login(client, world["teacher"])
    response = client.get(f"/people/{world['other_teacher'].pk}/")
    assert response.status_code == 404
    text = response.content.decode()
    assert "Страница не найдена" in text
    assert world["other_teacher"].last_name not in text
