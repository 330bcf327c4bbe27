"""Authoring API (operators): competence blocks, instruments with their publish workflow, variants and
items. Each endpoint parses its input with the page's own form (cnppm.api.forms) and calls the same
service as the page (diagnostics.services.authoring); the transitions offered come from the same map
as the page's buttons (diagnostics.workflow). Answer keys are never sent back."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from cnppm.api.forms import form_parse, form_serializer
from cnppm.api.permissions import HasRole
from cnppm.choices import Role

from .. import workflow
from ..choices import InstrumentStatus
from ..forms import BlockForm, InstrumentForm, ItemForm
from ..models import CompetenceBlock, Instrument
from ..selectors import instruments as sel
from ..services import authoring
from .serializers_instruments import BlockSerializer, InstrumentSerializer, ItemPublicSerializer

BlockInput = form_serializer(BlockForm, name="BlockInput")
InstrumentInput = form_serializer(InstrumentForm, name="InstrumentInput")
ItemInput = form_serializer(ItemForm, name="ItemInput")


class BlockDetailSerializer(BlockSerializer):
    class Meta(BlockSerializer.Meta):
        fields = [*BlockSerializer.Meta.fields, "order"]


class AuthoringInstrumentSerializer(InstrumentSerializer):
    """An instrument as its author works on it: what still blocks publishing and the moves allowed."""

    readiness = serializers.SerializerMethodField(help_text="что ещё мешает опубликовать (для черновика)")
    transitions = serializers.SerializerMethodField(help_text="статусы, в которые работу можно перевести")
    variants = serializers.SerializerMethodField()

    class Meta(InstrumentSerializer.Meta):
        fields = [*InstrumentSerializer.Meta.fields, "readiness", "transitions", "variants"]

    def get_readiness(self, obj) -> list[str]:
        if obj.status != InstrumentStatus.DRAFT:
            return []
        return authoring.instrument_readiness_errors(obj)

    def get_transitions(self, obj) -> list[str]:
        return workflow.allowed_targets(obj.status)

    def get_variants(self, obj) -> list[dict]:
        return [{"number": v.number, "items": v.items_count} for v in sel.instrument_variants(obj)]


class TransitionInput(serializers.Serializer):
    to = serializers.ChoiceField(choices=InstrumentStatus.choices, help_text="новый статус")
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class VariantSerializer(serializers.Serializer):
    number = serializers.IntegerField()


class BlockViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Competence blocks (the page «Блоки компетенций»)."""

    permission_classes = [HasRole.of(Role.OPERATOR)]
    serializer_class = BlockDetailSerializer
    pagination_class = None

    def get_queryset(self):
        return CompetenceBlock.objects.order_by("audience", "order", "name", "pk")

    @extend_schema(request=BlockInput, responses={201: BlockDetailSerializer})
    def create(self, request, *args, **kwargs):
        form = form_parse(request, BlockForm, serializer=BlockInput)
        block = authoring.block_save(actor=request.user, data=form.cleaned_data)
        return Response(BlockDetailSerializer(block).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=BlockInput, responses=BlockDetailSerializer)
    def update(self, request, *args, **kwargs):
        block = self.get_object()
        form = form_parse(
            request, BlockForm, serializer=BlockInput, instance=CompetenceBlock.objects.get(pk=block.pk)
        )
        block = authoring.block_save(actor=request.user, block=block, data=form.cleaned_data)
        return Response(BlockDetailSerializer(block).data)


class InstrumentAuthoringViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Instruments as the operator authors them: create a draft, edit, publish or archive, make a new
    version, add and delete variants, add items to a variant."""

    permission_classes = [HasRole.of(Role.OPERATOR)]
    serializer_class = AuthoringInstrumentSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        return Instrument.objects.select_related("subject").prefetch_related("blocks")

    def _instrument(self) -> Instrument:
        return sel.instrument_get(user=self.request.user, pk=self.kwargs["pk"])

    def _out(self, instrument, code=status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=instrument.pk)
        return Response(AuthoringInstrumentSerializer(fresh).data, status=code)

    @extend_schema(request=InstrumentInput, responses={201: AuthoringInstrumentSerializer})
    def create(self, request):
        form = form_parse(request, InstrumentForm, serializer=InstrumentInput)
        data = {f: form.cleaned_data.get(f) for f in authoring.INSTRUMENT_FIELDS}
        instrument = authoring.instrument_create(
            actor=request.user, data=data, blocks=list(form.cleaned_data.get("blocks") or [])
        )
        return self._out(instrument, status.HTTP_201_CREATED)

    @extend_schema(request=InstrumentInput, responses=AuthoringInstrumentSerializer)
    def update(self, request, pk=None):
        instrument = self._instrument()
        form = form_parse(request, InstrumentForm, serializer=InstrumentInput, instance=self._instrument())
        data = {f: form.cleaned_data.get(f) for f in authoring.INSTRUMENT_FIELDS}
        authoring.instrument_update(
            actor=request.user,
            instrument=instrument,
            data=data,
            blocks=list(form.cleaned_data.get("blocks") or []),
        )
        return self._out(instrument)

    @extend_schema(request=TransitionInput, responses=AuthoringInstrumentSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        """Publish (draft → published) or archive; refused in Russian while the draft is not ready."""
        instrument = self._instrument()
        data = TransitionInput(data=request.data)
        data.is_valid(raise_exception=True)
        authoring.instrument_transition(
            actor=request.user,
            instrument=instrument,
            to_status=data.validated_data["to"],
            comment=data.validated_data["comment"],
        )
        return self._out(instrument)

    @extend_schema(request=None, responses={201: AuthoringInstrumentSerializer})
    @action(detail=True, methods=["post"], url_path="new-version")
    def new_version(self, request, pk=None):
        copy = authoring.instrument_new_version(actor=request.user, instrument=self._instrument())
        return self._out(copy, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={201: VariantSerializer})
    @action(detail=True, methods=["post"])
    def variants(self, request, pk=None):
        variant = authoring.variant_add(actor=request.user, instrument=self._instrument())
        return Response({"number": variant.number}, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["delete"], url_path=r"variants/(?P<number>[0-9]{1,6})")
    def variant_delete(self, request, pk=None, number=None):
        variant = sel.variant_get(instrument=self._instrument(), number=number)
        authoring.variant_delete(actor=request.user, variant=variant)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=ItemInput, responses={201: ItemPublicSerializer})
    @action(detail=True, methods=["post"], url_path=r"variants/(?P<number>[0-9]{1,6})/items")
    def items(self, request, pk=None, number=None):
        instrument = self._instrument()
        variant = sel.variant_get(instrument=instrument, number=number)
        form = form_parse(request, ItemForm, serializer=ItemInput, instrument=instrument)
        item = authoring.item_save(
            actor=request.user,
            variant=variant,
            data=form.service_data(),
            image=request.FILES.get("image") if hasattr(request, "FILES") else None,
        )
        return Response(ItemPublicSerializer(sel.item_get(pk=item.pk)).data, status=status.HTTP_201_CREATED)


class ItemAuthoringViewSet(mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """One item: read (no key), replace, delete, while its instrument's items may still change."""

    permission_classes = [HasRole.of(Role.OPERATOR)]
    serializer_class = ItemPublicSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_object(self):
        return sel.item_get(pk=self.kwargs["pk"])

    def get_queryset(self):  # for the schema only; get_object fetches
        from ..models import Item

        return Item.objects.none()

    @extend_schema(request=ItemInput, responses=ItemPublicSerializer)
    def update(self, request, pk=None):
        item = self.get_object()
        instrument = item.variant.instrument
        form = form_parse(
            request, ItemForm, serializer=ItemInput, instance=sel.item_get(pk=item.pk), instrument=instrument
        )
        authoring.item_save(
            actor=request.user,
            variant=item.variant,
            item=item,
            data=form.service_data(),
            image=request.FILES.get("image") if hasattr(request, "FILES") else None,
        )
        return Response(ItemPublicSerializer(sel.item_get(pk=item.pk)).data)

    def destroy(self, request, pk=None):
        authoring.item_delete(actor=request.user, item=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


__all__ = ["BlockViewSet", "InstrumentAuthoringViewSet", "ItemAuthoringViewSet"]
