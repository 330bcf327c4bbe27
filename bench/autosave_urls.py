"""The bench's own URLconf: the whole product plus a bare view that does one UPSERT of an answer
(no session, no access checks, no template). Used only by bench/bench_autosave.py."""

from django.http import HttpResponse
from django.urls import include, path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from diagnostics.models import Answer


@csrf_exempt
def bare_upsert(request, attempt_id: int, item_id: int):
    Answer.objects.bulk_create(
        [
            Answer(
                attempt_id=attempt_id,
                item_id=item_id,
                value={"text": request.POST.get("text", "")},
                saved_at=timezone.now(),
            )
        ],
        update_conflicts=True,
        unique_fields=["attempt", "item"],
        update_fields=["value", "saved_at"],
    )
    return HttpResponse("ok")


urlpatterns = [
    path("bench/bare/<int:attempt_id>/<int:item_id>/", bare_upsert),
    path("", include("cnppm.urls")),
]
