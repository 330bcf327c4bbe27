"""The signed-in person's own actions in the API (issue 10.4): their profile (card section 1, the
fields a person corrects themselves, as on «Мой профиль») and the withdrawal of their consent."""

from __future__ import annotations

from django.forms.models import model_to_dict
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from cnppm import selectors, services
from cnppm.forms import PROFILE_FIELDS, ProfileForm

from .forms import form_parse, form_serializer
from .permissions import PortalUserPermission
from .serializers import PersonDetailSerializer

ProfileInput = form_serializer(ProfileForm, name="ProfileInput", partial=True)


class ProfileResult(serializers.Serializer):
    changed = serializers.ListField(child=serializers.CharField(), help_text="изменённые поля")
    person = PersonDetailSerializer()


class ConsentWithdrawResult(serializers.Serializer):
    withdrawn = serializers.IntegerField(help_text="сколько действующих согласий отозвано")


def _own(request):
    person = selectors.person_of(request.user)
    if person is None:
        raise NotFound
    return person


class MyProfileView(APIView):
    """GET: one's own profile. PATCH: correct the fields one may correct oneself (the others are
    the roster's, changed by the operator); each changed field is recorded."""

    permission_classes = [PortalUserPermission]

    @extend_schema(responses=PersonDetailSerializer, summary="Мой профиль")
    def get(self, request):
        return Response(PersonDetailSerializer(_own(request)).data)

    @extend_schema(request=ProfileInput, responses=ProfileResult, summary="Исправить свой профиль")
    def patch(self, request):
        person = _own(request)
        current = {
            k: [getattr(v, "pk", v) for v in value] if isinstance(value, list) else value
            for k, value in model_to_dict(person, fields=PROFILE_FIELDS).items()
        }
        form = form_parse(
            request, ProfileForm, serializer=ProfileInput, instance_data=current, instance=person
        )
        data = {name: form.cleaned_data[name] for name in form.changed_data}
        changed = services.person_profile_update(actor=request.user, person=person, data=data)
        return Response({"changed": changed, "person": PersonDetailSerializer(_own(request)).data})


class ConsentWithdrawView(APIView):
    """Withdraw one's consent to the processing of personal data (152-ФЗ ст. 9 ч. 2). From then on
    the API refuses one's requests until consent is given again on the portal's consent page."""

    permission_classes = [PortalUserPermission]

    @extend_schema(request=None, responses=ConsentWithdrawResult, summary="Отозвать согласие")
    def post(self, request):
        return Response({"withdrawn": services.consent_withdraw(actor=request.user)})
