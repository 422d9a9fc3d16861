"""Appointments on the API. A client: the bookable services and their specialists, the free
slots of a day, their appointments (book, move, cancel) and their visit documents. Staff: the
appointments they may see (a specialist their own, managers all), by day. The same selectors
and services as the pages; every endpoint answers 404 on cabinets of other verticals."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from cabinet.accounts import selectors as accounts_selectors
from cabinet.clinic import selectors
from cabinet.clinic.files import serve_document
from cabinet.clinic.models import Appointment, Service, VisitDocument
from cabinet.clinic.services import appointment_book, appointment_cancel, appointment_reschedule
from cabinet.rest import (
    FromSelectors,
    IsClient,
    IsStaff,
    JsonInput,
    Localized,
    OfVertical,
    Pages,
    query_of,
    refused,
)

NOT_YOURS = OpenApiResponse(description="No such appointment, service or document, or not yours")
REFUSED = OpenApiResponse(
    description="Refused by the cabinet's present state (the time is taken, "
    "outside the booking window, too late to change): `detail` says why"
)
# A slot's local time, YYYY-MM-DDTHH:MM (a date that does not exist, e.g. 31 February, is a 409)
SLOT_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d$"
STATUSES = "held (awaiting payment), confirmed, cancelled, done (visited), no_show (missed)"


class SpecialistOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    title = serializers.CharField(help_text="Speciality")


class ServiceOutput(serializers.ModelSerializer):
    name = Localized("name", of="item")
    description = Localized("description", of="item")
    price = serializers.DecimalField(source="item.price", max_digits=10, decimal_places=2)
    currency = serializers.CharField(source="item.currency")
    specialists = serializers.SerializerMethodField()

    class Meta:
        model = Service
        fields = (
            "id",
            "name",
            "description",
            "minutes",
            "price",
            "currency",
            "prepay",
            "specialists",
        )

    def get_specialists(self, service: Service) -> list[dict]:
        return SpecialistOutput(selectors.specialists_for(service), many=True).data


class SlotOutput(serializers.Serializer):
    at = serializers.CharField(
        source="key", help_text="Local time, YYYY-MM-DDTHH:MM: pass it to book"
    )
    specialist = serializers.IntegerField(source="specialist.pk")


class VisitDocumentOutput(serializers.ModelSerializer):
    class Meta:
        model = VisitDocument
        fields = ("id", "kind", "title", "created_at")


class AppointmentOutput(serializers.ModelSerializer):
    service = Localized("name", of="service.item")
    specialist = serializers.CharField(source="specialist.name")
    status = serializers.CharField(help_text=STATUSES)
    checkout = serializers.SerializerMethodField(help_text="The checkout to pay, while held")
    documents = VisitDocumentOutput(many=True)

    class Meta:
        model = Appointment
        fields = (
            "id",
            "service",
            "specialist",
            "starts",
            "ends",
            "status",
            "price",
            "currency",
            "prepay",
            "paid_at",
            "held_until",
            "note",
            "summary",
            "checkout",
            "documents",
        )

    def get_checkout(self, appointment: Appointment) -> str | None:
        held = appointment.status == Appointment.Status.HELD and appointment.checkout_id
        return str(appointment.checkout.token) if held else None


class BookInput(JsonInput):
    service = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    specialist = serializers.IntegerField(
        min_value=1,
        max_value=2**31 - 1,
        required=False,
        allow_null=True,
        help_text="Leave out for anyone free",
    )
    at = serializers.RegexField(SLOT_PATTERN, help_text="A slot's `at`")
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)


class MoveInput(JsonInput):
    at = serializers.RegexField(SLOT_PATTERN, help_text="A slot's `at`")


def _at(text: str):
    moment = selectors.parse_slot(text)
    if moment is None:  # well-formed, yet no such day (31 February): refused like a taken time
        raise ValidationError(
            _("There is no such time: choose one of the free slots."), code="no_time"
        )
    return moment


class ServiceViewSet(FromSelectors, viewsets.GenericViewSet):
    """What may be booked, with whom, and when."""

    vertical = "clinic"
    permission_classes = (OfVertical, IsClient)
    pagination_class = None
    serializer_class = ServiceOutput
    queryset = Service.objects.none()

    @extend_schema(summary="Bookable services and their specialists")
    def list(self, request: Request) -> Response:
        return Response(
            ServiceOutput(selectors.services(), many=True, context={"request": request}).data
        )

    @extend_schema(
        summary="Free slots of a service on a day",
        parameters=[
            OpenApiParameter("date", OpenApiTypes.DATE, required=True),
            OpenApiParameter("specialist", OpenApiTypes.INT, description="Leave out for anyone"),
        ],
        responses={
            200: SlotOutput(many=True),
            400: OpenApiResponse(description="A bad date"),
            404: NOT_YOURS,
        },
    )
    @action(detail=True, methods=["get"])
    def slots(self, request: Request, pk: str) -> Response:
        query = query_of(request)
        service = selectors.service(pk)
        if service is None:
            raise NotFound()
        day = selectors.parse_day(query.get("date", ""))
        if day is None:
            raise serializers.ValidationError({"date": ["Expected a date, YYYY-MM-DD."]})
        specialist = None
        if "specialist" in query:
            specialist = selectors.specialist_for(service, query["specialist"])
            if specialist is None:
                raise NotFound()
        return Response(SlotOutput(selectors.free_slots(service, day, specialist), many=True).data)


class AppointmentViewSet(FromSelectors, viewsets.GenericViewSet):
    """The signed-in client's appointments."""

    vertical = "clinic"
    permission_classes = (OfVertical, IsClient)
    pagination_class = Pages
    serializer_class = AppointmentOutput
    queryset = Appointment.objects.none()

    def _client(self):
        return accounts_selectors.client_profile_of(self.request.user)

    def _mine(self, pk: str) -> Appointment:
        found = selectors.client_appointment(self._client(), pk)
        if found is None:
            raise NotFound()
        return found

    @extend_schema(summary="Your appointments, the latest first")
    def list(self, request: Request) -> Response:
        mine = selectors.client_appointments(self._client()).order_by("-starts", "-id")
        page = self.paginate_queryset(mine)
        return self.get_paginated_response(
            AppointmentOutput(page, many=True, context={"request": request}).data
        )

    @extend_schema(responses={200: AppointmentOutput, 404: NOT_YOURS}, summary="An appointment")
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(AppointmentOutput(self._mine(pk), context={"request": request}).data)

    @extend_schema(
        request=BookInput,
        responses={
            201: AppointmentOutput,
            400: OpenApiResponse(description="Malformed"),
            404: NOT_YOURS,
            409: REFUSED,
        },
        summary="Book a slot (a prepaid service is held until its checkout is paid)",
    )
    def create(self, request: Request) -> Response:
        data = BookInput(data=request.data)
        data.is_valid(raise_exception=True)
        service = selectors.service(data.validated_data["service"])
        if service is None:
            raise NotFound()
        specialist = None
        if data.validated_data.get("specialist"):
            specialist = selectors.specialist_for(service, data.validated_data["specialist"])
            if specialist is None:
                raise NotFound()
        try:
            starts = _at(data.validated_data["at"])
            booked = appointment_book(
                client=self._client(),
                service=service,
                specialist=specialist,
                starts=starts,
                note=data.validated_data.get("note", ""),
            )
        except ValidationError as exc:
            return refused(exc)
        booked = selectors.client_appointment(self._client(), booked.pk)
        return Response(AppointmentOutput(booked, context={"request": request}).data, status=201)

    @extend_schema(
        request=MoveInput,
        responses={
            200: AppointmentOutput,
            400: OpenApiResponse(description="Malformed"),
            404: NOT_YOURS,
            409: REFUSED,
        },
        summary="Move to another slot",
    )
    @action(detail=True, methods=["post"])
    def move(self, request: Request, pk: str) -> Response:
        found = self._mine(pk)
        data = MoveInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            appointment_reschedule(
                appointment=found, starts=_at(data.validated_data["at"]), by=request.user
            )
        except ValidationError as exc:
            return refused(exc)
        return Response(AppointmentOutput(self._mine(pk), context={"request": request}).data)

    @extend_schema(
        request=None,
        responses={200: AppointmentOutput, 404: NOT_YOURS, 409: REFUSED},
        summary="Cancel (a payment goes back the way it came)",
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        found = self._mine(pk)
        try:
            appointment_cancel(appointment=found, by=request.user)
        except ValidationError as exc:
            return refused(exc)
        return Response(AppointmentOutput(self._mine(pk), context={"request": request}).data)

    @extend_schema(
        parameters=[OpenApiParameter("document", OpenApiTypes.INT, OpenApiParameter.PATH)],
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            (200, "image/jpeg"): OpenApiTypes.BINARY,
            (200, "image/png"): OpenApiTypes.BINARY,
            404: NOT_YOURS,
        },
        summary="A document of your visit (the file; the opening is audited)",
    )
    @action(detail=True, methods=["get"], url_path=r"documents/(?P<document>\d{1,10})")
    def document(self, request: Request, pk: str, document: str) -> HttpResponse:
        found = selectors.client_document(self._client(), document)
        if found is None or str(found.appointment_id) != str(pk):
            raise NotFound()
        return serve_document(found, request)


class StaffAppointmentOutput(AppointmentOutput):
    client = serializers.IntegerField(source="client_id")
    specialist_id = serializers.IntegerField()

    class Meta(AppointmentOutput.Meta):
        fields = (*AppointmentOutput.Meta.fields, "client", "specialist_id")


class StaffAppointmentViewSet(FromSelectors, viewsets.GenericViewSet):
    """The appointments this member of staff may see: a specialist's own, or all."""

    vertical = "clinic"
    permission_classes = (OfVertical, IsStaff)
    pagination_class = Pages
    serializer_class = StaffAppointmentOutput
    queryset = Appointment.objects.none()

    @extend_schema(
        parameters=[OpenApiParameter("date", OpenApiTypes.DATE, description="One day only")],
        summary="Appointments you may see",
        responses={
            200: StaffAppointmentOutput(many=True),
            400: OpenApiResponse(description="A bad date"),
        },
    )
    def list(self, request: Request) -> Response:
        query = query_of(request)
        if "date" in query:
            day = selectors.parse_day(query["date"])
            if day is None:
                raise serializers.ValidationError({"date": ["Expected a date, YYYY-MM-DD."]})
            rows = selectors.staff_day(request.user, day)
        else:
            rows = selectors.staff_appointments(request.user).order_by("-starts", "-id")
        page = self.paginate_queryset(rows.prefetch_related("documents"))
        return self.get_paginated_response(
            StaffAppointmentOutput(page, many=True, context={"request": request}).data
        )

    @extend_schema(
        responses={200: StaffAppointmentOutput, 404: NOT_YOURS}, summary="An appointment"
    )
    def retrieve(self, request: Request, pk: str) -> Response:
        found = selectors.staff_appointment(request.user, pk)
        if found is None:
            raise NotFound()
        return Response(StaffAppointmentOutput(found, context={"request": request}).data)

    @extend_schema(
        request=None,
        responses={200: StaffAppointmentOutput, 404: NOT_YOURS, 409: REFUSED},
        summary="Cancel (a payment goes back the way it came)",
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        found = selectors.staff_appointment(request.user, pk)
        if found is None:
            raise NotFound()
        try:
            appointment_cancel(appointment=found, by=request.user)
        except ValidationError as exc:
            return refused(exc)
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from exc
        return Response(
            StaffAppointmentOutput(
                selectors.staff_appointment(request.user, pk), context={"request": request}
            ).data
        )


ROUTES = [
    ("appointment-services", ServiceViewSet, "clinic-services"),
    ("appointments", AppointmentViewSet, "clinic-appointments"),
    ("staff/appointments", StaffAppointmentViewSet, "clinic-staff-appointments"),
]
