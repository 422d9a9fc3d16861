"""The staff side of the API: the same selectors and masking as the back office's pages."""

from dataclasses import asdict

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, Throttled
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.custom_fields import fields_of, values_field, values_out
from cabinet.accounts.masking import client_view
from cabinet.rest import IsStaff, Pages, query_of
from cabinet.staff import selectors
from cabinet.staff.quota import quota_consume
from rbac.audit import audit_record


class ClientOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    email = serializers.CharField(help_text="Always masked: reveal fields in the back office")
    phone = serializers.CharField()
    address = serializers.CharField()
    birth_date = serializers.CharField()
    document_number = serializers.CharField()
    notes = serializers.CharField()
    last_activity_at = serializers.CharField()
    masked = serializers.BooleanField()
    custom = values_field("client", "staff")


class ClientsQuery(serializers.Serializer):
    q = serializers.CharField(
        max_length=100, required=False, allow_blank=True,
        help_text="Name, email or phone contains",
    )  # fmt: skip


class StaffClientsView(GenericAPIView):
    permission_classes = (IsStaff,)
    pagination_class = Pages
    key_scopes = {"GET": "clients:read"}

    @extend_schema(
        parameters=[ClientsQuery],
        responses=ClientOutput(many=True),
        summary="Clients this staff member may see",
    )
    def get(self, request: Request) -> Response:
        query = ClientsQuery(data=query_of(request))
        query.is_valid(raise_exception=True)
        clients = selectors.client_search(
            selectors.clients_for(request.user), query.validated_data.get("q", "")
        )
        page = self.paginate_queryset(clients)
        fields = fields_of("client", "staff")
        rows = [
            {**asdict(client_view(client, can_see_personal=False)),
             "custom": values_out(client, fields, "staff")}
            for client in page
        ]  # fmt: skip
        audit_record(action="clients.listed", request=request._request,
                     changes={"ids": [row["id"] for row in rows], "api": True})  # fmt: skip
        return self.get_paginated_response(ClientOutput(rows, many=True).data)


class StaffClientView(APIView):
    permission_classes = (IsStaff,)
    key_scopes = {"GET": "clients:read"}

    @extend_schema(
        responses={
            200: ClientOutput,
            404: OpenApiResponse(description="No such client, or not yours to see"),
            429: OpenApiResponse(description="Hourly read quota reached"),
        }
    )
    def get(self, request: Request, pk: int) -> Response:
        client = selectors.client_get_for(request.user, pk)
        if client is None:
            raise NotFound()
        if not quota_consume(request.user, client.pk):
            raise Throttled(detail="You have opened many client records this hour.")
        audit_record(action="client.viewed", target=client, request=request._request)
        # Masked here as in the back office; fields are revealed one at a time, with a reason.
        row = asdict(client_view(client, can_see_personal=False))
        row["custom"] = values_out(client, fields_of("client", "staff"), "staff")
        return Response(ClientOutput(row).data)
