from django.urls import path  # noqa: F401

from .views import expert as expert_views
from .views import taking as taking_views

app_name = "diagnostics"
urlpatterns: list = []

# Taking, results, the expert queue, attempts and retakes (engineer A).
urlpatterns += [
    path("my/", taking_views.my_diagnostics, name="my_diagnostics"),
    path("instruments/<int:pk>/start/", taking_views.instrument_start, name="instrument_start"),
    path("attempts/<int:pk>/questions/<int:number>/", taking_views.attempt_question, name="attempt_question"),
    path("attempts/<int:pk>/items/<int:item_id>/answer/", taking_views.answer_save, name="answer_save"),
    path("attempts/<int:pk>/finish/", taking_views.attempt_finish, name="attempt_finish"),
    path("attempts/<int:pk>/result/", taking_views.attempt_result, name="attempt_result"),
    path("attempts/", expert_views.attempt_list, name="attempt_list"),
    path("attempts/<int:pk>/retake/", expert_views.retake_grant, name="retake_grant"),
    path("expert/", expert_views.expert_queue, name="expert_queue"),
    path("expert/answers/<int:pk>/", expert_views.expert_check, name="expert_check"),
]
