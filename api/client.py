"""The client side of the API: catalog, orders, bookings and wallet — the same selectors and
services as the cabinet's pages."""

import datetime as dt
import uuid

from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from billing import payments
from cabinet.accounts import selectors as accounts_selectors
from cabinet.bookings import selectors as bookings_selectors
from cabinet.bookings.models import Booking, Event
from cabinet.bookings.services import (
    PaymentRequired,
    booking_cancel,
    cancel_deadline,
    client_booking_create,
)
from cabinet.catalog import selectors as catalog_selectors
from cabinet.catalog.models import CatalogItem
from cabinet.checkout.placing import order_place
from cabinet.checkout.services import checkout_open_booking
from cabinet.content.translations import tr
from cabinet.documents.models import Document
from cabinet.documents.services import document_for, document_link
from cabinet.orders import selectors as orders_selectors
from cabinet.orders.models import Order
from cabinet.rest import IsClient, JsonInput, Localized, api_language, query_of, refused
from cabinet.wallet.models import Wallet
from cabinet.wallet.services import wallet_for


class ItemOutput(serializers.ModelSerializer):
    category = serializers.SerializerMethodField()
    name = Localized(
        "name",
        help_text="In the request's language (Accept-Language), else the "
        "person's, else the cabinet's default.",
    )
    description = Localized("description")
    is_free = serializers.BooleanField()
    available_days = serializers.CharField(
        help_text="The days it is offered, 1 = Monday … 7 = Sunday; empty: every day."
    )
    image = serializers.SerializerMethodField()
    available_now = serializers.SerializerMethodField()

    class Meta:
        model = CatalogItem
        fields = ("id", "category", "name", "description", "price", "currency", "unit", "is_free",
                  "image", "available_from", "available_until", "available_days",
                  "available_now")  # fmt: skip

    def get_category(self, item: CatalogItem) -> str:
        return tr(item.category, "name", api_language(self.context.get("request")))

    def get_image(self, item: CatalogItem) -> str | None:
        return item.image.url if item.image else None

    def get_available_now(self, item: CatalogItem) -> bool:
        return item.is_available_at(timezone.localtime())


class DocumentOutput(serializers.Serializer):
    kind = serializers.CharField()
    url = serializers.CharField(help_text="Signed; works for ten minutes, for this person only.")


def _document(owner: Order | Booking, request: Request) -> dict | None:
    """The signed link to an order's or a booking's document (lists load it with
    select_related("document"), so this reads no row of its own)."""
    try:
        document = owner.document
    except Document.DoesNotExist:
        return None
    token = document_link(document, user_id=request.user.pk).rstrip("/").rsplit("/", 1)[1]
    return {"kind": document.kind, "url": request.build_absolute_uri(f"/api/v1/documents/{token}/")}


class OrderLineOutput(serializers.Serializer):
    name = serializers.CharField()
    quantity = serializers.IntegerField()
    unit_price = serializers.DecimalField(max_digits=10, decimal_places=2)
    line_total = serializers.DecimalField(max_digits=12, decimal_places=2)


class OrderOutput(serializers.ModelSerializer):
    items = OrderLineOutput(many=True)
    document = serializers.SerializerMethodField()

    class Meta:
        model = Order
        fields = (
            "id",
            "status",
            "payment",
            "subtotal",
            "fee",
            "total",
            "currency",
            "created_at",
            "items",
            "document",
        )

    @extend_schema_field(DocumentOutput(allow_null=True))
    def get_document(self, order: Order) -> dict | None:
        request = self.context.get("request")
        if request is None:
            return None
        return _document(order, request)


class OrderLineInput(JsonInput):
    item = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    quantity = serializers.IntegerField(min_value=1, max_value=50)


class OrderInput(JsonInput):
    items = serializers.ListField(child=OrderLineInput(), min_length=1, max_length=20)
    payment = serializers.ChoiceField(choices=Order.Payment.choices)
    submission_key = serializers.CharField(max_length=64, required=False)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)


class WalletOutput(serializers.ModelSerializer):
    class Meta:
        model = Wallet
        fields = ("balance", "currency", "points")


class EventOutput(serializers.ModelSerializer):
    places_left = serializers.SerializerMethodField()
    title = Localized(
        "title",
        help_text="In the request's language (Accept-Language), else the "
        "person's, else the cabinet's default.",
    )
    description = Localized("description")
    location = Localized("location")

    class Meta:
        model = Event
        fields = ("id", "kind", "title", "description", "location", "starts_at", "ends_at",
                  "capacity", "places_left", "price", "currency", "cutoff_minutes",
                  "cancel_window_minutes", "max_seats_per_booking")  # fmt: skip

    def get_places_left(self, event: Event) -> int:
        return event.places_left


class BookingInput(JsonInput):
    seats = serializers.IntegerField(min_value=1, max_value=10, default=1)
    waitlist = serializers.BooleanField(default=False)


class BookingsQuery(serializers.Serializer):
    when = serializers.ChoiceField(choices=["upcoming", "past", "visits"], required=False)
    status = serializers.ChoiceField(choices=Booking.Status.choices, required=False)


class BookingOutput(serializers.ModelSerializer):
    class Meta:
        model = Booking
        fields = ("id", "event", "seats", "status", "created_at")


class BookingDetailOutput(serializers.ModelSerializer):
    event = EventOutput()
    cancel_until = serializers.SerializerMethodField()
    voucher = serializers.SerializerMethodField()

    class Meta:
        model = Booking
        fields = ("id", "event", "seats", "status", "created_at", "checked_in_at", "cancel_until",
                  "voucher")  # fmt: skip

    def get_cancel_until(self, booking: Booking) -> dt.datetime:
        return cancel_deadline(booking.event)

    @extend_schema_field(DocumentOutput(allow_null=True))
    def get_voucher(self, booking: Booking) -> dict | None:
        request = self.context["request"]
        return _document(booking, request)


@extend_schema_field(
    {"type": "string", "format": "decimal", "example": "50.00",
     # 5 to 1000 (payments.TOPUP_MIN, TOPUP_MAX), at most two decimal places
     "pattern": r"^(?:[5-9]|[1-9][0-9]{1,2})(?:\.[0-9]{1,2})?$|^1000(?:\.0{1,2})?$"}
)  # fmt: skip
class TopUpAmountField(serializers.DecimalField):
    pass


class TopUpInput(JsonInput):
    amount = TopUpAmountField(
        max_digits=7, decimal_places=2, min_value=payments.TOPUP_MIN, max_value=payments.TOPUP_MAX
    )


def _client(request: Request):
    return accounts_selectors.client_profile_of(request.user)


class CatalogView(APIView):
    permission_classes = (IsClient,)

    @extend_schema(responses=ItemOutput(many=True), summary="What the business offers")
    def get(self, request: Request) -> Response:
        items = [item for _category, items in catalog_selectors.catalog() for item in items]
        return Response(ItemOutput(items, many=True, context={"request": request}).data)


class OrdersView(APIView):
    permission_classes = (IsClient,)

    @extend_schema(responses=OrderOutput(many=True))
    def get(self, request: Request) -> Response:
        orders = orders_selectors.client_orders(_client(request)).select_related("document")[:100]
        return Response(OrderOutput(orders, many=True, context={"request": request}).data)

    @extend_schema(
        request=OrderInput,
        responses={
            201: OrderOutput,
            409: OpenApiResponse(
                description="Refused as the cabinet stands now: an item not offered (now), "
                "not enough balance, a limit reached"
            ),
        },
    )
    def post(self, request: Request) -> Response:
        form = OrderInput(data=request.data)
        form.is_valid(raise_exception=True)
        wanted: dict[int, int] = {}
        for line in form.validated_data["items"]:
            wanted[line["item"]] = wanted.get(line["item"], 0) + line["quantity"]
        try:
            order = order_place(
                client=_client(request), wanted=wanted, payment=form.validated_data["payment"],
                submission_key=form.validated_data.get("submission_key") or uuid.uuid4().hex,
                note=form.validated_data.get("note", ""),
            )  # fmt: skip
        except ValidationError as exc:
            return refused(exc)
        return Response(
            OrderOutput(order, context={"request": request}).data, status=status.HTTP_201_CREATED
        )


class OrderView(APIView):
    permission_classes = (IsClient,)

    @extend_schema(responses={200: OrderOutput, 404: OpenApiResponse(description="Not yours")})
    def get(self, request: Request, pk: int) -> Response:
        order = orders_selectors.client_order(_client(request), pk)
        if order is None:
            raise NotFound()
        return Response(OrderOutput(order, context={"request": request}).data)


class EventsView(APIView):
    permission_classes = (IsClient,)

    @extend_schema(responses=EventOutput(many=True))
    def get(self, request: Request) -> Response:
        events = bookings_selectors.upcoming_events()[:100]
        return Response(EventOutput(events, many=True, context={"request": request}).data)


class PaymentRequiredOutput(serializers.Serializer):
    detail = serializers.CharField()
    checkout_url = serializers.URLField()


class EventBookingView(APIView):
    permission_classes = (IsClient,)

    @extend_schema(
        request=BookingInput,
        responses={
            201: BookingOutput,
            402: OpenApiResponse(
                response=PaymentRequiredOutput,
                description="The event is paid: nothing is booked; the client confirms and pays "
                "at the checkout the answer links to",
            ),
            409: OpenApiResponse(
                description="Refused as the event stands now: full, closed for booking, "
                "already booked, too many seats, a paid event's waitlist"
            ),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        event = Event.objects.filter(pk=pk).first()
        if event is None:
            raise NotFound()
        form = BookingInput(data=request.data)
        form.is_valid(raise_exception=True)
        client = _client(request)
        try:
            booking = client_booking_create(event=event, client=client, **form.validated_data)
        except PaymentRequired as exc:
            if form.validated_data.get("waitlist"):
                return refused(exc)
            try:
                checkout = checkout_open_booking(
                    event=event, client=client, seats=form.validated_data.get("seats", 1)
                )
            except ValidationError as refusal:
                return refused(refusal)
            url = request.build_absolute_uri(reverse("cabinet:checkout", args=[checkout.token]))
            body = {"detail": " ".join(exc.messages), "checkout_url": url}
            return Response(body, status=status.HTTP_402_PAYMENT_REQUIRED)
        except ValidationError as exc:
            return refused(exc)
        return Response(BookingOutput(booking).data, status=status.HTTP_201_CREATED)


class WalletView(APIView):
    permission_classes = (IsClient,)

    @extend_schema(responses=WalletOutput)
    def get(self, request: Request) -> Response:
        return Response(WalletOutput(wallet_for(_client(request))).data)


class BookingsView(APIView):
    permission_classes = (IsClient,)

    @extend_schema(
        parameters=[BookingsQuery],
        responses=BookingDetailOutput(many=True),
        summary="The client's bookings (at most 100), newest event first",
    )
    def get(self, request: Request) -> Response:
        query = BookingsQuery(data=query_of(request))
        query.is_valid(raise_exception=True)
        bookings = bookings_selectors.client_bookings_filtered(
            _client(request),
            when=query.validated_data.get("when", ""),
            status=query.validated_data.get("status", ""),
        )
        bookings = bookings.select_related("document")[:100]
        data = BookingDetailOutput(bookings, many=True, context={"request": request}).data
        return Response(data)


class BookingView(APIView):
    permission_classes = (IsClient,)

    @extend_schema(
        responses={200: BookingDetailOutput, 404: OpenApiResponse(description="Not yours")}
    )
    def get(self, request: Request, pk: int) -> Response:
        booking = bookings_selectors.client_booking(_client(request), pk)
        if booking is None:
            raise NotFound()
        return Response(BookingDetailOutput(booking, context={"request": request}).data)


class BookingCancelView(APIView):
    permission_classes = (IsClient,)

    @extend_schema(
        request=None,
        responses={
            200: BookingDetailOutput,
            404: OpenApiResponse(description="Not yours"),
            409: OpenApiResponse(description="Too late to cancel, or cancelled already"),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        booking = bookings_selectors.client_booking(_client(request), pk)
        if booking is None:
            raise NotFound()
        try:
            booking_cancel(booking=booking)
        except ValidationError as exc:
            return refused(exc)
        booking.refresh_from_db()
        return Response(BookingDetailOutput(booking, context={"request": request}).data)


class DocumentView(APIView):
    """A receipt, invoice or voucher, through the signed link its order or booking gave."""

    permission_classes = (IsAuthenticated,)

    @extend_schema(
        responses={(200, "application/pdf"): OpenApiTypes.BINARY, 404: OpenApiResponse()}
    )
    def get(self, request: Request, token: str) -> FileResponse:
        document = document_for(token, user=request.user)
        if document is None:
            raise NotFound()
        return FileResponse(document.file.open("rb"), as_attachment=True,
                            filename=document.file.name.rsplit("/", 1)[-1])  # fmt: skip


class WalletTopUpView(APIView):
    permission_classes = (IsClient,)

    @extend_schema(
        request=TopUpInput,
        responses={
            201: inline_serializer("TopUpStarted", {"checkout_url": serializers.URLField()}),
            400: OpenApiResponse(description="An amount outside 5.00–1000.00"),
            409: OpenApiResponse(description="The business does not take card payments"),
            503: OpenApiResponse(description="Stripe cannot be reached; try again later"),
        },
        summary="Start a card top-up: open checkout_url, pay, and the balance grows",
    )
    def post(self, request: Request) -> Response:
        form = TopUpInput(data=request.data)
        form.is_valid(raise_exception=True)
        client = _client(request)
        try:
            url = payments.topup_start(
                tenant=request.tenant, client_ref=str(client.pk),
                amount=form.validated_data["amount"], currency=wallet_for(client).currency,
                success_url=request.build_absolute_uri("/wallet/top-up/done/")
                + "?session={CHECKOUT_SESSION_ID}",
                cancel_url=request.build_absolute_uri("/wallet/"), attempt=uuid.uuid4().hex,
            )  # fmt: skip
        except payments.PaymentsUnavailable:
            return Response({"detail": "This business does not take card payments."},
                            status=status.HTTP_409_CONFLICT)  # fmt: skip
        except payments.PaymentFailed:
            return Response({"detail": "Card payments are unavailable right now."},
                            status=status.HTTP_503_SERVICE_UNAVAILABLE)  # fmt: skip
        return Response({"checkout_url": url}, status=status.HTTP_201_CREATED)
