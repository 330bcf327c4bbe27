"""Item-bank import through the API, as on the upload page (issue 10.1): upload → preview → confirm.

`POST /api/v1/item-imports/` (multipart: instrument, file, default_variant, replace) reads the bank
and answers 201 with its preview: the categories as Moodle reads them, the questions of each kind in
each, the block suggested for each, the questions left out and why, the notes per question. Nothing
of the bank is written. `GET /api/v1/item-imports/{id}/` shows the preview again;
`POST /api/v1/item-imports/{id}/confirm/` with `{"map": {"категория": "код блока"}, "block": "код"}`
queues the import (202, the ImportJob to follow at /api/v1/import-jobs/{id}/);
`DELETE /api/v1/item-imports/{id}/` drops the upload. Operators only (others: 404), and each operator
sees only their own uploads. A broken file answers 400 with every problem (`errors`)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from cnppm.api.permissions import HasRole
from cnppm.choices import Role

from ..forms import ItemsImportForm
from ..importers import ImportFailed
from ..services import item_import


class KindCountSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="вид вопроса, как его называет Moodle")
    type = serializers.CharField(help_text="тип задания портала")
    n = serializers.IntegerField()


class CategorySerializer(serializers.Serializer):
    key = serializers.CharField(help_text="ключ категории для `map`")
    label = serializers.CharField(help_text="категория, как её читает Moodle: «Раздел / Подраздел»")
    path = serializers.CharField(help_text="путь категории в файле")
    block = serializers.CharField(help_text="предложенный блок (код) или пусто")
    items = serializers.IntegerField()
    left_out = serializers.IntegerField()
    variants = serializers.ListField(child=serializers.IntegerField())
    kinds = KindCountSerializer(many=True)


class SkippedSerializer(serializers.Serializer):
    ref = serializers.CharField()
    kind = serializers.CharField()
    reason = serializers.CharField()


class PreviewSerializer(serializers.Serializer):
    format = serializers.CharField()
    total = serializers.IntegerField(help_text="вопросов будет импортировано")
    left_out = serializers.IntegerField(help_text="вопросов не будет импортировано")
    images = serializers.IntegerField()
    needs_rubric = serializers.IntegerField(help_text="эссе без критериев оценивания")
    categories = CategorySerializer(many=True)
    skipped = SkippedSerializer(many=True)
    notes = serializers.ListField(child=serializers.CharField())
    notes_total = serializers.IntegerField()


class ItemImportSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    instrument = serializers.IntegerField(source="instrument_id", read_only=True)
    filename = serializers.CharField(read_only=True)
    default_variant = serializers.IntegerField(read_only=True)
    replace = serializers.BooleanField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    preview = PreviewSerializer(read_only=True)


class ItemImportUploadSerializer(serializers.Serializer):
    instrument = serializers.IntegerField()
    file = serializers.FileField()
    default_variant = serializers.IntegerField(min_value=1, default=1)
    replace = serializers.BooleanField(default=False)


class ItemImportConfirmSerializer(serializers.Serializer):
    map = serializers.DictField(
        child=serializers.CharField(allow_blank=True),
        required=False,
        help_text="категория (ключ или название из предпросмотра) → код или название блока",
    )
    block = serializers.CharField(required=False, allow_blank=True, help_text="один блок для всего файла")


class ConfirmedSerializer(serializers.Serializer):
    job = serializers.IntegerField(help_text="загрузка: /api/v1/import-jobs/{job}/")
    status = serializers.CharField()


def _refused(exc: ImportFailed) -> Response:
    return Response(
        {"detail": "Файл не загружен: ни одно задание не сохранено.", "errors": exc.errors},
        status=status.HTTP_400_BAD_REQUEST,
    )


class ItemImportViewSet(mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """An uploaded item bank waiting for confirmation (the operator's own)."""

    permission_classes = [HasRole.of(Role.OPERATOR)]
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    serializer_class = ItemImportSerializer

    def get_queryset(self):
        return item_import.drafts_visible(self.request.user)

    @extend_schema(request=ItemImportUploadSerializer, responses={201: ItemImportSerializer})
    def create(self, request):
        data = request.data.copy()
        data.setdefault("default_variant", 1)
        form = ItemsImportForm(data, request.FILES)
        if not form.is_valid():
            errors = [
                f"{form.fields[f].label}: {' '.join(m)}" if f in form.fields else " ".join(m)
                for f, m in form.errors.items()
            ]
            return Response(
                {"detail": "Проверьте поля формы.", "errors": errors}, status=status.HTTP_400_BAD_REQUEST
            )
        try:
            draft = item_import.item_import_draft_create(
                actor=request.user,
                instrument=form.cleaned_data["instrument"],
                upload=form.cleaned_data["file"],
                default_variant=form.cleaned_data["default_variant"],
                replace=form.cleaned_data["replace"],
            )
        except ImportFailed as exc:
            return _refused(exc)
        return Response(ItemImportSerializer(draft).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        item_import.item_import_draft_discard(draft=instance)

    @extend_schema(request=ItemImportConfirmSerializer, responses={202: ConfirmedSerializer})
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        draft = self.get_object()
        data = ItemImportConfirmSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            job = item_import.item_import_draft_confirm(
                actor=request.user,
                draft=draft,
                mapping=data.validated_data.get("map") or {},
                block=data.validated_data.get("block", ""),
            )
        except ImportFailed as exc:
            return Response(
                {"detail": "Импорт не начат: ни одно задание не сохранено.", "errors": exc.errors},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response({"job": job.pk, "status": job.status}, status=status.HTTP_202_ACCEPTED)
