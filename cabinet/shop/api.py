"""The shop on the API: a customer's parcels and returns (requesting one as the returns page
does), and the back office's shipments and returns, scoped and moved by the same selectors,
forms and services as its pages. Every endpoint answers 404 on cabinets that are not shops."""

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from cabinet.accounts import selectors as accounts_selectors
from cabinet.rest import (
    FromSelectors,
    IsClient,
    IsStaff,
    JsonInput,
    OfVertical,
    Pages,
    PlainTextField,
    form_errors,
    query_of,
    refused,
)
from cabinet.shop import selectors
from cabinet.shop.forms import DecisionForm, ReturnForm, ShipmentForm
from cabinet.shop.models import ReturnRequest, Shipment
from cabinet.shop.services import return_decide, return_request, shipment_update

NOT_YOURS = OpenApiResponse(description="No such object, or not one this caller may see")


class ShipmentEventOutput(serializers.Serializer):
    status = serializers.ChoiceField(choices=Shipment.Status.choices)
    at = serializers.DateTimeField()


class ShipmentOutput(serializers.ModelSerializer):
    order = serializers.IntegerField(source="order_id")
    events = ShipmentEventOutput(many=True)

    class Meta:
        model = Shipment
        fields = ("id", "order", "status", "address_text", "carrier", "tracking_number",
                  "updated_at", "delivered_at", "events")  # fmt: skip


class StaffShipmentOutput(serializers.ModelSerializer):
    order = serializers.IntegerField(source="order_id")
    client = serializers.IntegerField(source="order.client_id")

    class Meta:
        model = Shipment
        fields = ("id", "order", "client", "status", "address_text", "carrier",
                  "tracking_number", "updated_at", "delivered_at")  # fmt: skip


class ReturnLineOutput(serializers.Serializer):
    item = serializers.IntegerField(source="order_item_id")
    name = serializers.CharField(source="order_item.name")
    quantity = serializers.IntegerField()


class ReturnOutput(serializers.ModelSerializer):
    order = serializers.IntegerField(source="order_id")
    lines = ReturnLineOutput(many=True)

    class Meta:
        model = ReturnRequest
        fields = ("id", "order", "reason", "comment", "status", "amount", "staff_note",
                  "created_at", "decided_at", "lines")  # fmt: skip


class StaffReturnOutput(ReturnOutput):
    client = serializers.IntegerField(source="client_id")

    class Meta(ReturnOutput.Meta):
        fields = ("client", *ReturnOutput.Meta.fields)


class ReturnLineInput(JsonInput):
    item = serializers.IntegerField(
        min_value=1, max_value=2**31 - 1, help_text="A line of the order (its `id` in `items`)"
    )
    quantity = serializers.IntegerField(min_value=1, max_value=1000)


class ReturnInput(JsonInput):
    order = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    lines = serializers.ListField(child=ReturnLineInput(), min_length=1, max_length=50)
    reason = serializers.ChoiceField(choices=ReturnRequest.Reason.choices)
    comment = PlainTextField(max_length=500, required=False, allow_blank=True, default="")


class ShipmentInput(JsonInput):
    status = serializers.ChoiceField(choices=Shipment.Status.choices)
    carrier = PlainTextField(max_length=60, required=False, allow_blank=True, default="")
    tracking_number = serializers.RegexField(
        r"^[0-9A-Za-z-]{4,40}$", max_length=40, required=False,
        help_text="Needed once the parcel has left",
    )  # fmt: skip


class DecisionInput(JsonInput):
    to = serializers.ChoiceField(choices=ReturnRequest.Status.choices)
    note = PlainTextField(max_length=300, required=False, allow_blank=True, default="")


class ShipmentsQuery(serializers.Serializer):
    status = serializers.ChoiceField(choices=Shipment.Status.choices, required=False)


class ReturnsQuery(serializers.Serializer):
    status = serializers.ChoiceField(choices=ReturnRequest.Status.choices, required=False)


class _ClientViewSet(FromSelectors, viewsets.GenericViewSet):
    vertical = "shop"
    permission_classes = (OfVertical, IsClient)
    pagination_class = None

    def _client(self):
        return accounts_selectors.client_profile_of(self.request.user)


class ShipmentViewSet(_ClientViewSet):
    """The customer's parcels (at most 100, newest order first) with their tracking history."""

    serializer_class = ShipmentOutput
    queryset = Shipment.objects.none()  # for the schema; rows come from the customer's selector

    @extend_schema(summary="Your parcels")
    def list(self, request: Request) -> Response:
        return Response(ShipmentOutput(selectors.client_shipments(self._client())[:100],
                                       many=True).data)  # fmt: skip

    @extend_schema(responses={200: ShipmentOutput, 404: NOT_YOURS})
    def retrieve(self, request: Request, pk: str) -> Response:
        shipment = selectors.client_shipment(self._client(), pk)
        if shipment is None:
            raise NotFound()
        return Response(ShipmentOutput(shipment).data)


class ReturnViewSet(_ClientViewSet):
    """The customer's returns (at most 50, newest first) and asking for one."""

    serializer_class = ReturnOutput
    queryset = ReturnRequest.objects.none()  # for the schema; rows come from the selector

    @extend_schema(summary="Your returns")
    def list(self, request: Request) -> Response:
        returns = selectors.client_returns(self._client())[:50]
        return Response(ReturnOutput(returns, many=True).data)

    @extend_schema(
        request=ReturnInput,
        responses={
            201: ReturnOutput,
            404: OpenApiResponse(description="No such order, or not yours"),
            409: OpenApiResponse(description="Returns are closed for this order (not "
                                 "delivered yet, or past 30 days), or more than was received"),
        },
        summary="Ask to return lines of a delivered order (refunded as store credit)",
    )  # fmt: skip
    def create(self, request: Request) -> Response:
        data = ReturnInput(data=request.data)
        data.is_valid(raise_exception=True)
        typed = data.validated_data
        client = self._client()
        order = selectors.client_order_for_return(client, typed["order"])
        if order is None:
            raise NotFound("No such order, or not yours.")
        form = ReturnForm({"reason": typed["reason"], "comment": typed["comment"]})
        if not form.is_valid():
            raise form_errors(form)
        quantities: dict[int, int] = {}
        for line in typed["lines"]:
            quantities[line["item"]] = quantities.get(line["item"], 0) + line["quantity"]
        try:
            made = return_request(client=client, order=order, quantities=quantities,
                                  reason=form.cleaned_data["reason"],
                                  comment=form.cleaned_data["comment"])  # fmt: skip
        except ValidationError as exc:
            return refused(exc)
        made = selectors.client_returns(client).get(pk=made.pk)
        return Response(ReturnOutput(made).data, status=status.HTTP_201_CREATED)


class _StaffViewSet(FromSelectors, viewsets.GenericViewSet):
    vertical = "shop"
    permission_classes = (OfVertical, IsStaff)
    pagination_class = Pages


class StaffShipmentViewSet(_StaffViewSet):
    """Parcels of the orders of the clients this staff member may see, oldest order first."""

    serializer_class = StaffShipmentOutput
    key_scopes = {"GET": "shipments:read", "POST": "shipments:write"}
    queryset = Shipment.objects.none()  # for the schema; rows come from the staff selector

    @extend_schema(parameters=[ShipmentsQuery], summary="Parcels to send and track")
    def list(self, request: Request) -> Response:
        query = ShipmentsQuery(data=query_of(request))
        query.is_valid(raise_exception=True)
        shipments = selectors.staff_shipments(request.user).order_by("order__created_at", "id")
        if "status" in query.validated_data:
            shipments = shipments.filter(status=query.validated_data["status"])
        page = self.paginate_queryset(shipments)
        return self.get_paginated_response(StaffShipmentOutput(page, many=True).data)

    @extend_schema(
        request=ShipmentInput,
        responses={200: StaffShipmentOutput, 404: NOT_YOURS,
                   409: OpenApiResponse(description="A parcel only moves forward; one that "
                                        "has left needs a tracking number; a cancelled order")},
        summary="Move a parcel along, with the carrier and tracking number",
    )  # fmt: skip
    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request: Request, pk: str) -> Response:
        found = selectors.staff_shipments(request.user).filter(pk=_pk(pk)).first()
        if found is None:
            raise NotFound()
        data = ShipmentInput(data=request.data)
        data.is_valid(raise_exception=True)
        form = ShipmentForm({name: request.data.get(name, "") for name in data.fields})
        if not form.is_valid():
            raise form_errors(form)
        try:
            shipment_update(shipment=found, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            return refused(exc)
        moved = selectors.staff_shipments(request.user).get(pk=found.pk)
        return Response(StaffShipmentOutput(moved).data)


class StaffReturnViewSet(_StaffViewSet):
    """Returns of the clients this staff member may see, newest first."""

    serializer_class = StaffReturnOutput
    key_scopes = {"GET": "returns:read", "POST": "returns:write"}
    queryset = ReturnRequest.objects.none()  # for the schema; rows come from the staff selector

    @extend_schema(parameters=[ReturnsQuery], summary="Returns to decide and refund")
    def list(self, request: Request) -> Response:
        query = ReturnsQuery(data=query_of(request))
        query.is_valid(raise_exception=True)
        returns = selectors.staff_returns(request.user)
        if "status" in query.validated_data:
            returns = returns.filter(status=query.validated_data["status"])
        page = self.paginate_queryset(returns)
        return self.get_paginated_response(StaffReturnOutput(page, many=True).data)

    @extend_schema(
        request=DecisionInput,
        responses={200: StaffReturnOutput, 404: NOT_YOURS,
                   409: OpenApiResponse(description="Not a step this return can take now")},
        summary="Approve, decline, or refund a return (to the customer's store credit, once)",
    )  # fmt: skip
    @action(detail=True, methods=["post"], url_path="decision")
    def decide(self, request: Request, pk: str) -> Response:
        found = selectors.staff_returns(request.user).filter(pk=_pk(pk)).first()
        if found is None:
            raise NotFound()
        data = DecisionInput(data=request.data)
        data.is_valid(raise_exception=True)
        form = DecisionForm({"to": data.validated_data["to"], "note": data.validated_data["note"]})
        if not form.is_valid():
            raise form_errors(form)
        try:
            return_decide(request=found, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            return refused(exc)
        return Response(
            StaffReturnOutput(selectors.staff_returns(request.user).get(pk=found.pk)).data
        )


def _pk(raw: str) -> int:
    """A path's id; one that is not a number (or too big for one) names nothing."""
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        raise NotFound()
    return int(raw)


ROUTES = [
    ("shipments", ShipmentViewSet, "shop-shipments"),
    ("returns", ReturnViewSet, "shop-returns"),
    ("staff/shipments", StaffShipmentViewSet, "shop-staff-shipments"),
    ("staff/returns", StaffReturnViewSet, "shop-staff-returns"),
]
