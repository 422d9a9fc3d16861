"""The staff side of orders on the API (an integration's view of the order queue): the orders
of the clients the caller may see, and moving one along — as the back office does."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.staff_clients import IsStaff
from cabinet.orders.models import Order
from cabinet.orders.services import order_set_status
from cabinet.rest import JsonInput, Pages, query_of, refused
from cabinet.staff.orders import orders_for


class StaffOrderLineOutput(serializers.Serializer):
    name = serializers.CharField()
    quantity = serializers.IntegerField()
    unit_price = serializers.DecimalField(max_digits=10, decimal_places=2)
    line_total = serializers.DecimalField(max_digits=12, decimal_places=2)


class StaffOrderOutput(serializers.ModelSerializer):
    client = serializers.IntegerField(source="client_id")
    items = StaffOrderLineOutput(many=True)

    class Meta:
        model = Order
        fields = ("id", "client", "status", "payment", "total", "currency", "created_at",
                  "items")  # fmt: skip


class StatusInput(JsonInput):
    status = serializers.ChoiceField(choices=Order.Status.choices)


class OrdersQuery(serializers.Serializer):
    status = serializers.ChoiceField(choices=Order.Status.choices, required=False)


class StaffOrdersView(GenericAPIView):
    permission_classes = (IsStaff,)
    pagination_class = Pages
    key_scopes = {"GET": "orders:read"}

    @extend_schema(
        parameters=[OrdersQuery],
        responses=StaffOrderOutput(many=True),
        summary="Orders of the clients this staff member (or key) may see, oldest first",
    )
    def get(self, request: Request) -> Response:
        query = OrdersQuery(data=query_of(request))
        query.is_valid(raise_exception=True)
        orders = orders_for(request.user)
        if "status" in query.validated_data:
            orders = orders.filter(status=query.validated_data["status"])
        page = self.paginate_queryset(orders)
        return self.get_paginated_response(StaffOrderOutput(page, many=True).data)


class StaffOrderStatusView(APIView):
    permission_classes = (IsStaff,)
    key_scopes = {"POST": "orders:write"}

    @extend_schema(
        request=StatusInput,
        responses={200: StaffOrderOutput,
                   403: OpenApiResponse(description="Not staff, or not a move this role makes"),
                   404: OpenApiResponse(description="No such order, or not yours to see"),
                   409: OpenApiResponse(description="Not a move this order can make now")},
        summary="Move an order along (accepted, in progress, done, cancelled)",
    )  # fmt: skip
    def post(self, request: Request, pk: int) -> Response:
        order = orders_for(request.user).filter(pk=pk).first()
        if order is None:
            raise NotFound()
        data = StatusInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            moved = order_set_status(order=order, to=data.validated_data["status"],
                                     by=request.user)  # fmt: skip
        except ValidationError as exc:
            return refused(exc)
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from exc
        return Response(StaffOrderOutput(orders_for(request.user).get(pk=moved.pk)).data)
