"""Imports in the API (issue 10.4): `POST /api/v1/imports/<kind>/` for every upload registered in
cnppm.import_jobs.UPLOADS (multipart: the file and the upload page's parameters, parsed by that page's
form), answered 202 with the job; `GET /api/v1/import-jobs/<id>/` follows it (status, rows read, the
summary or the errors with sheet, row and column). The imports hub's kinds (roster, structure, history,
events, staff_training) take `dry_run`: the file is checked and nothing written, the job carries the
preview (`counts`, `errors`) and keeps the file; `POST /api/v1/import-jobs/<id>/confirm/` writes that
very file (the job page's button, the same service), once, by its uploader, before `confirm_until`."""

from __future__ import annotations

from datetime import datetime

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from cnppm import import_jobs
from cnppm.models import ImportJob

from .fields import IdField
from .forms import form_parse, form_serializer
from .permissions import PortalUserPermission


class ImportJobSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(read_only=True, help_text="вид загрузки (как в пути /api/v1/imports/<вид>/)")
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    status = serializers.CharField(read_only=True, help_text="queued, running, done или failed")
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    finished = serializers.BooleanField(read_only=True)
    summary = serializers.SerializerMethodField()
    messages = serializers.SerializerMethodField()
    errors = serializers.SerializerMethodField(help_text="ошибки: sheet, row, column, message")
    counts = serializers.SerializerMethodField(
        help_text="итог (у проверки — что будет записано): rows; для списка педагогов created, updated, "
        "unchanged, accounts_created; details — по видам записей"
    )
    confirmable = serializers.SerializerMethodField(
        help_text="проверку можно подтвердить сейчас: POST /api/v1/import-jobs/<id>/confirm/"
    )
    confirm_until = serializers.SerializerMethodField(help_text="до какого времени хранится проверенный файл")
    confirmed_by = serializers.SerializerMethodField(help_text="id загрузки, записавшей проверенный файл")
    confirms = serializers.SerializerMethodField(
        help_text="id проверки, файл которой записывает эта загрузка"
    )

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "kind",
            "kind_label",
            "status",
            "status_label",
            "finished",
            "filename",
            "params",
            "progress_done",
            "summary",
            "messages",
            "errors",
            "counts",
            "confirmable",
            "confirm_until",
            "confirmed_by",
            "confirms",
            "created_at",
            "started_at",
            "finished_at",
        ]

    def get_summary(self, obj) -> str:
        result = obj.result if isinstance(obj.result, dict) else {}
        return str(result.get("summary") or result.get("headline") or "")

    def get_messages(self, obj) -> list[str]:
        result = obj.result if isinstance(obj.result, dict) else {}
        return [str(m) for m in result.get("messages", [])]

    def get_errors(self, obj) -> list[dict]:
        return obj.errors[:1000] if isinstance(obj.errors, list) else []

    def get_counts(self, obj) -> dict:
        result = obj.result if isinstance(obj.result, dict) else {}
        return result.get("counts") or {}

    def get_confirmable(self, obj) -> bool:
        request = self.context.get("request")
        return bool(request) and import_jobs.confirmable_by(request.user, obj)

    def get_confirm_until(self, obj) -> datetime | None:
        until = import_jobs.confirm_until(obj)
        return serializers.DateTimeField().to_representation(until) if until else None

    def get_confirmed_by(self, obj) -> int | None:
        result = obj.result if isinstance(obj.result, dict) else {}
        return result.get("confirmed_by")

    def get_confirms(self, obj) -> int | None:
        return (obj.params or {}).get("confirms")


class ImportJobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Import jobs: one's own, and (operators) their region's, as the job page shows them."""

    permission_classes = [PortalUserPermission]
    serializer_class = ImportJobSerializer
    filterset_fields = ["kind", "status"]

    def get_queryset(self):
        return import_jobs.import_jobs_visible(self.request.user).order_by("-created_at", "-id")

    @extend_schema(
        request=None,
        responses={202: ImportJobSerializer},
        summary="Подтвердить проверку: записать проверенный файл",
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        """Write the file this dry run checked, as the job page's «Записать данные из этого файла»
        does: a new job (answered 202) runs the import's own service on the stored file, which is
        checked again against the region's data as it is now. Refused with 400 and a Russian message,
        nothing written: not the uploader, not a clean dry run, already confirmed, the file expired."""
        job = self.get_object()
        confirming = import_jobs.import_job_confirm(actor=request.user, job=job)
        confirming.refresh_from_db()
        return Response(
            ImportJobSerializer(confirming, context=self.get_serializer_context()).data,
            status=status.HTTP_202_ACCEPTED,
        )


def _upload_view(kind: str) -> type[APIView]:
    """The upload endpoint of one registered kind (its schema is that page's form)."""
    form_class = import_jobs.upload_form(kind)
    extra = {}
    if kind in ("roster", "structure", "reference"):
        extra["region"] = IdField(
            required=False, allow_null=True, help_text="Регион; нужен, только если вы работаете в нескольких"
        )
    request_serializer = form_serializer(
        form_class, name=f"Import{kind.title().replace('_', '')}Input", extra=extra
    )
    upload = import_jobs.UPLOADS[kind]

    class UploadView(APIView):
        permission_classes = [PortalUserPermission]
        parser_classes = [MultiPartParser, FormParser]

        @extend_schema(
            request={"multipart/form-data": request_serializer},
            responses={202: ImportJobSerializer},
            summary=f"Загрузить: {upload.title}",
            operation_id=f"imports_{kind}_create",
        )
        def post(self, request):
            if not upload.allowed(request.user):
                raise NotFound
            form = form_parse(request, form_class, serializer=request_serializer)
            job = import_jobs.upload_submit(
                actor=request.user, kind=kind, cleaned=form.cleaned_data, data=request.data
            )
            job.refresh_from_db()
            return Response(
                ImportJobSerializer(job, context={"request": request}).data, status=status.HTTP_202_ACCEPTED
            )

    UploadView.__name__ = f"{kind.title()}UploadView"
    UploadView.__doc__ = f"Загрузка «{upload.title}»: файл и параметры страницы загрузки; ответ — задание."
    return UploadView


def upload_urls():
    from django.urls import path

    return [
        path(f"imports/{kind}/", _upload_view(kind).as_view(), name=f"api-import-{kind}")
        for kind in import_jobs.UPLOADS
    ]
