"""The hotel on the API: a guest's own stays with the online check-in, the front desk's stays,
and the sync a property-management system (PMS) keeps by its own reservation id.

The same selectors, forms and services as the pages: a guest sees client_stays, staff
staff_stays (the clients their role lets them see); the check-in is validated by CheckInForm and
saved by stay_check_in, a stay booked through StayForm and stay_create (stay_sync), moved along
by stay_set_status. Every endpoint answers 404 on cabinets that are not hotels.
"""

import datetime

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from cabinet.accounts import selectors as accounts_selectors
from cabinet.hotel import selectors
from cabinet.hotel.forms import CheckInForm, StayForm
from cabinet.hotel.models import Stay
from cabinet.hotel.services import stay_check_in, stay_set_status, stay_sync
from cabinet.rest import (
    FromSelectors,
    IsClient,
    IsStaff,
    JsonInput,
    LocalTimeField,
    OfVertical,
    Pages,
    PlainTextField,
    form_errors,
    query_of,
    refused,
)

NOT_YOURS = OpenApiResponse(description="No such stay, or not one this caller may see")
EXTERNAL_ID = r"[0-9A-Za-z][0-9A-Za-z._:-]{0,63}"


class StayOutput(serializers.ModelSerializer):
    room = serializers.CharField(source="room.number", allow_null=True, default=None)
    arrival_time = LocalTimeField(allow_null=True)
    nights = serializers.IntegerField()
    can_check_in_online = serializers.BooleanField()

    class Meta:
        model = Stay
        fields = ("id", "reservation_code", "status", "room", "room_type", "arrival", "departure",
                  "nights", "adults", "children", "can_check_in_online", "checked_in_online_at",
                  "guest_name", "arrival_time")  # fmt: skip


class StaffStayOutput(serializers.ModelSerializer):
    client = serializers.IntegerField(source="client_id")
    arrival_time = LocalTimeField(allow_null=True)
    room = serializers.CharField(source="room.number", allow_null=True, default=None)

    class Meta:
        model = Stay
        fields = ("id", "reservation_code", "external_id", "client", "status", "room",
                  "room_type", "arrival", "departure", "adults", "children",
                  "checked_in_online_at", "arrival_time", "created_at")  # fmt: skip


class CheckInInput(JsonInput):
    """The web check-in's fields (CheckInForm checks them as the page does)."""

    guest_name = PlainTextField(max_length=150)
    birth_date = serializers.DateField(help_text="As in the document; in the past, from 1900.")
    citizenship = PlainTextField(max_length=60)
    document_number = serializers.RegexField(
        r"^[0-9A-Za-zА-Яа-яЁё][0-9A-Za-zА-Яа-яЁё -]{2,39}$", max_length=40
    )
    arrival_time = serializers.TimeField(format="%H:%M")


class CheckInUpload(CheckInInput):
    document = serializers.FileField(
        required=False,
        help_text="JPEG, PNG or PDF, up to 5 MB; needed unless one was sent before.",
    )


class StaysQuery(serializers.Serializer):
    status = serializers.ChoiceField(choices=Stay.Status.choices, required=False)


class StayStatusInput(JsonInput):
    status = serializers.ChoiceField(choices=Stay.Status.choices)


class StaySyncInput(JsonInput):
    email = serializers.EmailField(
        max_length=254, help_text="The guest: one of the clients the caller may see."
    )
    arrival = serializers.DateField()
    departure = serializers.DateField(help_text="After arrival; at most 90 nights.")
    adults = serializers.IntegerField(min_value=1, max_value=12, default=2)
    children = serializers.IntegerField(min_value=0, max_value=12, default=0)
    room_type = PlainTextField(max_length=80, required=False, allow_blank=True, default="")
    status = serializers.ChoiceField(
        choices=Stay.Status.choices, required=False,
        help_text="Moved as the front desk moves it (booked → checked in online → in the "
        "hotel → departed; cancelled before arrival); another move is a 409.",
    )  # fmt: skip


def _as_form_data(typed: dict, names) -> dict[str, str]:
    """What the serializer parsed, written as the page's form reads it (a time with a zone or
    seconds, a date: one canonical text), so the form judges the values, not their spelling."""
    return {name: _as_text(value) for name in names if (value := typed.get(name)) is not None}


def _as_text(value: object) -> str:
    if isinstance(value, datetime.time):
        return value.strftime("%H:%M:%S")  # a zone, if one was given, is dropped: local time
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


class StayViewSet(FromSelectors, viewsets.GenericViewSet):
    """The signed-in guest's stays (at most 100, latest arrival first) and their check-in."""

    vertical = "hotel"
    permission_classes = (OfVertical, IsClient)
    pagination_class = None
    serializer_class = StayOutput
    queryset = Stay.objects.none()  # for the schema; rows come from the guest's selector

    def _client(self):
        return accounts_selectors.client_profile_of(self.request.user)

    def _stay(self, pk: str) -> Stay:
        stay = selectors.client_stay(self._client(), pk)
        if stay is None:
            raise NotFound()
        return stay

    @extend_schema(summary="The guest's stays")
    def list(self, request: Request) -> Response:
        stays = selectors.client_stays(self._client())[:100]
        return Response(StayOutput(stays, many=True).data)

    @extend_schema(responses={200: StayOutput, 404: NOT_YOURS})
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(StayOutput(self._stay(pk)).data)

    @extend_schema(
        request={"application/json": CheckInInput, "multipart/form-data": CheckInUpload},
        responses={
            200: StayOutput,
            400: OpenApiResponse(description="A field as the check-in page would refuse it, "
                                 "or no document sent yet (`document`)"),
            404: NOT_YOURS,
            409: OpenApiResponse(description="The stay can no longer be checked in online"),
        },
        summary="Check in online: the details as in the document, and when you arrive",
    )  # fmt: skip
    @action(detail=True, methods=["post"], url_path="check-in",
            parser_classes=[JSONParser, MultiPartParser])  # fmt: skip
    def check_in(self, request: Request, pk: str) -> Response:
        stay = self._stay(pk)
        typed = CheckInUpload(data=request.data)
        typed.is_valid(raise_exception=True)
        fields = _as_form_data(typed.validated_data, CheckInInput().fields)
        form = CheckInForm(fields, {"document": request.data["document"]}
                           if "document" in typed.validated_data else {})  # fmt: skip
        if not form.is_valid():
            raise form_errors(form)
        data = form.cleaned_data
        try:
            saved = stay_check_in(
                stay=stay, guest_name=data["guest_name"], birth_date=data["birth_date"],
                citizenship=data["citizenship"], document_number=data["document_number"],
                arrival_time=data["arrival_time"], upload=data.get("document"),
            )  # fmt: skip
        except ValidationError as exc:
            if exc.code == "closed":
                return refused(exc)
            raise serializers.ValidationError({"document": exc.messages}) from exc
        return Response(StayOutput(self._stay(saved.pk)).data)


class StaffStayViewSet(FromSelectors, viewsets.GenericViewSet):
    """The front desk's stays: those of the clients this staff member may see, as on the
    Stays page; moving one along; and the PMS sync by external id."""

    vertical = "hotel"
    permission_classes = (OfVertical, IsStaff)
    key_scopes = {"GET": "stays:read", "POST": "stays:write", "PUT": "stays:write"}
    pagination_class = Pages
    serializer_class = StaffStayOutput
    queryset = Stay.objects.none()  # for the schema; rows come from the staff selector

    def _stay(self, pk: str) -> Stay:
        stay = selectors.staff_stay(self.request.user, pk)
        if stay is None:
            raise NotFound()
        return stay

    @extend_schema(parameters=[StaysQuery], summary="Stays of the clients you may see")
    def list(self, request: Request) -> Response:
        query = StaysQuery(data=query_of(request))
        query.is_valid(raise_exception=True)
        stays = selectors.staff_stays(request.user).order_by("-arrival", "-id")
        if "status" in query.validated_data:
            stays = stays.filter(status=query.validated_data["status"])
        page = self.paginate_queryset(stays)
        return self.get_paginated_response(StaffStayOutput(page, many=True).data)

    @extend_schema(responses={200: StaffStayOutput, 404: NOT_YOURS})
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(StaffStayOutput(self._stay(pk)).data)

    @extend_schema(
        request=StayStatusInput,
        responses={200: StaffStayOutput, 404: NOT_YOURS,
                   409: OpenApiResponse(description="Not a move this stay can make now")},
        summary="Move a stay along (checked in online, in the hotel, departed, cancelled)",
    )  # fmt: skip
    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request: Request, pk: str) -> Response:
        stay = self._stay(pk)
        data = StayStatusInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            moved = stay_set_status(stay=stay, to=data.validated_data["status"], by=request.user)
        except ValidationError as exc:
            return refused(exc)
        return Response(StaffStayOutput(self._stay(moved.pk)).data)

    @extend_schema(
        request=StaySyncInput,
        responses={
            200: OpenApiResponse(StaffStayOutput, description="Updated (or already so)"),
            201: OpenApiResponse(StaffStayOutput, description="Booked"),
            400: OpenApiResponse(description="A field as the Stays page would refuse it: "
                                 "an email none of your clients has, departure before arrival"),
            409: OpenApiResponse(description="The external id is another guest's stay, the "
                                 "room is taken on the new nights, or not a status move "
                                 "this stay can make"),
        },
        summary="Create or update a stay by its id in your property-management system",
        description="Idempotent: the same request again changes nothing, and requests racing "
        "for one external id make one stay. A new stay is booked as the front desk books one "
        "(the guest is told and can check in online).",
    )  # fmt: skip
    @action(detail=False, methods=["put"],
            url_path=rf"by-external-id/(?P<external_id>{EXTERNAL_ID})")  # fmt: skip
    def sync(self, request: Request, external_id: str) -> Response:
        data = StaySyncInput(data=request.data)
        data.is_valid(raise_exception=True)
        typed = data.validated_data
        form = StayForm(_as_form_data(typed, ("email", "arrival", "departure", "adults",
                                              "children", "room_type")),
                        staff=request.user)  # fmt: skip
        if not form.is_valid():
            raise form_errors(form)
        clean = form.cleaned_data
        try:
            stay, created = stay_sync(
                external_id=external_id, client=form.client, arrival=clean["arrival"],
                departure=clean["departure"], adults=clean["adults"],
                children=clean["children"], room_type=clean["room_type"],
                status=typed.get("status"), by=request.user,
            )  # fmt: skip
        except ValidationError as exc:
            return refused(exc)
        answer = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(StaffStayOutput(self._stay(stay.pk)).data, status=answer)


ROUTES = [
    ("stays", StayViewSet, "hotel-stays"),
    ("staff/stays", StaffStayViewSet, "hotel-staff-stays"),
]
