import pytest

from cnppm import services
from cnppm.models import ConsentDocument, Person


@pytest.fixture
def consented(world):
    """The world with a current redaction every person of it has consented to."""
    document = ConsentDocument.objects.create(
        version="1.0", title="Согласие на обработку персональных данных", text="Текст", is_current=True
    )
    for value in world.values():
        if isinstance(value, Person):
            services.consent_give(actor=value.user, document=document)
    world["document"] = document
    return world
