"""The client side of the API: catalog, orders, bookings and wallet — the same selectors and
services as the cabinet's pages."""

import uuid

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cabinet import selectors
from cabinet.bookings import booking_create
from cabinet.models import Booking, CatalogItem, Event, Order, Wallet
from cabinet.orders import order_place
from cabinet.wallet import wallet_for


class IsClient(IsAuthenticated):
    def has_permission(self, request: Request, view: APIView) -> bool:
        if not super().has_permission(request, view):
            return False
        if request.user.is_staff:
            raise PermissionDenied("The client API is for clients.")
        return True


class ItemOutput(serializers.ModelSerializer):
    category = serializers.CharField(source="category.name")
    is_free = serializers.BooleanField()

    class Meta:
        model = CatalogItem
        fields = ("id", "category", "name", "description", "price", "currency", "unit", "is_free")


class OrderLineOutput(serializers.Serializer):
    name = serializers.CharField()
    quantity = serializers.IntegerField()
    unit_price = serializers.DecimalField(max_digits=10, decimal_places=2)
    line_total = serializers.DecimalField(max_digits=12, decimal_places=2)


class OrderOutput(serializers.ModelSerializer):
    items = OrderLineOutput(many=True)

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
        )


class OrderLineInput(serializers.Serializer):
    item = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    quantity = serializers.IntegerField(min_value=1, max_value=50)


class OrderInput(serializers.Serializer):
    items = OrderLineInput(many=True, allow_empty=False, max_length=20)
    payment = serializers.ChoiceField(choices=Order.Payment.choices)
    submission_key = serializers.CharField(max_length=64, required=False)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)


class WalletOutput(serializers.ModelSerializer):
    class Meta:
        model = Wallet
        fields = ("balance", "currency", "points")


class EventOutput(serializers.ModelSerializer):
    places_left = serializers.SerializerMethodField()

    class Meta:
        model = Event
        fields = ("id", "kind", "title", "description", "location", "starts_at", "ends_at",
                  "capacity", "places_left", "price", "currency")  # fmt: skip

    def get_places_left(self, event: Event) -> int:
        return max(0, event.capacity - getattr(event, "taken", 0))


class BookingInput(serializers.Serializer):
    seats = serializers.IntegerField(min_value=1, max_value=10, default=1)
    waitlist = serializers.BooleanField(default=False)


class BookingOutput(serializers.ModelSerializer):
    class Meta:
        model = Booking
        fields = ("id", "event", "seats", "status", "created_at")


def _client(request: Request):
    return selectors.client_profile_of(request.user)


class CatalogView(APIView):
    permission_classes = (IsClient,)

    @extend_schema(responses=ItemOutput(many=True), summary="What the business offers")
    def get(self, request: Request) -> Response:
        items = [item for _category, items in selectors.catalog() for item in items]
        return Response(ItemOutput(items, many=True).data)


class OrdersView(APIView):
    permission_classes = (IsClient,)

    @extend_schema(responses=OrderOutput(many=True))
    def get(self, request: Request) -> Response:
        orders = selectors.client_orders(_client(request))[:100]
        return Response(OrderOutput(orders, many=True).data)

    @extend_schema(
        request=OrderInput,
        responses={201: OrderOutput, 400: OpenApiResponse(description="Why the order was refused")},
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
            return Response({"detail": " ".join(exc.messages)}, status=status.HTTP_400_BAD_REQUEST)
        return Response(OrderOutput(order).data, status=status.HTTP_201_CREATED)


class OrderView(APIView):
    permission_classes = (IsClient,)

    @extend_schema(responses={200: OrderOutput, 404: OpenApiResponse(description="Not yours")})
    def get(self, request: Request, pk: int) -> Response:
        order = selectors.client_order(_client(request), pk)
        if order is None:
            raise NotFound()
        return Response(OrderOutput(order).data)


class EventsView(APIView):
    permission_classes = (IsClient,)

    @extend_schema(responses=EventOutput(many=True))
    def get(self, request: Request) -> Response:
        return Response(EventOutput(selectors.upcoming_events()[:100], many=True).data)


class EventBookingView(APIView):
    permission_classes = (IsClient,)

    @extend_schema(request=BookingInput, responses={201: BookingOutput, 400: OpenApiResponse()})
    def post(self, request: Request, pk: int) -> Response:
        event = Event.objects.filter(pk=pk).first()
        if event is None:
            raise NotFound()
        form = BookingInput(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            booking = booking_create(event=event, client=_client(request), **form.validated_data)
        except ValidationError as exc:
            return Response({"detail": " ".join(exc.messages)}, status=status.HTTP_400_BAD_REQUEST)
        return Response(BookingOutput(booking).data, status=status.HTTP_201_CREATED)


class WalletView(APIView):
    permission_classes = (IsClient,)

    @extend_schema(responses=WalletOutput)
    def get(self, request: Request) -> Response:
        return Response(WalletOutput(wallet_for(_client(request))).data)
