"""The staff side of the catalog on the API: the services and products with their texts in
every content language, and changing those texts (cabinet.content.translations), as the
editor does."""

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.staff_clients import IsStaff
from cabinet.catalog.models import CatalogItem
from cabinet.content.services import content_texts_set
from cabinet.content.translations import content_languages, translations_clean
from cabinet.rest import JsonInput, TranslationsField


class StaffItemOutput(serializers.ModelSerializer):
    translations = TranslationsField()
    languages = serializers.SerializerMethodField(
        help_text="The cabinet's content languages, its default first."
    )

    class Meta:
        model = CatalogItem
        fields = ("id", "category", "name", "description", "price", "currency", "unit",
                  "is_active", "translations", "languages")  # fmt: skip

    def get_languages(self, item: CatalogItem) -> list[str]:
        return self.context["languages"]


class StaffItemInput(JsonInput):
    name = serializers.CharField(max_length=120, required=False)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    translations = TranslationsField(required=False)

    def validate_translations(self, value: dict) -> dict:
        try:
            return translations_clean(CatalogItem, value, self.context["languages"])
        except ValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc


def _require(request: Request, action: str) -> None:
    if not request.user.has_perm(f"cabinet.{action}_catalogitem"):
        raise PermissionDenied("Not a change this role makes.")


class StaffCatalogView(APIView):
    permission_classes = (IsStaff,)
    key_scopes = {"GET": "catalog:read"}

    @extend_schema(
        responses=StaffItemOutput(many=True),
        summary="Services and products with their texts in every content language",
    )
    def get(self, request: Request) -> Response:
        _require(request, "view")
        items = CatalogItem.objects.order_by("category__position", "name")[:500]
        context = {"languages": content_languages()}
        return Response(StaffItemOutput(items, many=True, context=context).data)


class StaffCatalogItemView(APIView):
    permission_classes = (IsStaff,)
    key_scopes = {"PATCH": "catalog:write"}

    @extend_schema(
        request=StaffItemInput,
        responses={200: StaffItemOutput,
                   400: OpenApiResponse(description="A text too long, or an unknown language"),
                   403: OpenApiResponse(description="Not staff, or not a change this role makes"),
                   404: OpenApiResponse(description="No such item")},
        summary="Change an item's texts: the default language's, and `translations` (replaced "
                "as a whole when given)",
    )  # fmt: skip
    def patch(self, request: Request, pk: int) -> Response:
        _require(request, "change")
        item = CatalogItem.objects.filter(pk=pk).first()
        if item is None:
            raise NotFound()
        context = {"languages": content_languages()}
        data = StaffItemInput(data=request.data, context=context)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        translations = fields.pop("translations", None)
        try:
            content_texts_set(obj=item, texts=fields, translations=translations,
                              actor=request.user)  # fmt: skip
        except ValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        return Response(StaffItemOutput(item, context=context).data)
