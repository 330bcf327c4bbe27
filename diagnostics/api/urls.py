from django.urls import path  # noqa: F401

urlpatterns: list = []

# Instruments, statistics and results export (engineer B).
from cnppm.api.routers import Router  # noqa: E402

from .views_instruments import InstrumentViewSet  # noqa: E402

_instruments = Router()
_instruments.register("instruments", InstrumentViewSet, basename="instrument")
urlpatterns += _instruments.urls

# Attempts (start, answers, finish, result, retake) and the expert queue (engineer A).
from .views_attempts import AttemptViewSet, ExpertAnswerViewSet  # noqa: E402

_attempts = Router()
_attempts.register("attempts", AttemptViewSet, basename="attempt")
_attempts.register("expert/answers", ExpertAnswerViewSet, basename="expert-answer")
urlpatterns += _attempts.urls

# Authoring: blocks, instruments with their publish workflow, variants, items (issue 10.4).
from .views_authoring import BlockViewSet, InstrumentAuthoringViewSet, ItemAuthoringViewSet  # noqa: E402

_authoring = Router()
_authoring.register("authoring/blocks", BlockViewSet, basename="authoring-block")
_authoring.register("authoring/instruments", InstrumentAuthoringViewSet, basename="authoring-instrument")
_authoring.register("authoring/items", ItemAuthoringViewSet, basename="authoring-item")
urlpatterns += _authoring.urls

# Item-bank import: upload → preview → confirm with the category mapping (issue 10.1).
from .views_item_import import ItemImportViewSet  # noqa: E402

_item_imports = Router()
_item_imports.register("item-imports", ItemImportViewSet, basename="item-import")
urlpatterns += _item_imports.urls
