from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tenants.forms import SignupForm, slug_problem
from tenants.models import Vertical
from tenants.signup import cabinet_url, owner_handoff_url, tenant_signup


class SignupInput(serializers.Serializer):
    business_name = serializers.CharField(max_length=120)
    slug = serializers.CharField(max_length=60)
    vertical = serializers.ChoiceField(choices=Vertical.choices)
    owner_email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=1024, write_only=True, trim_whitespace=False)
    language = serializers.ChoiceField(choices=[("en", "English"), ("ru", "Русский")], default="en")


class SignupOutput(serializers.Serializer):
    slug = serializers.CharField()
    cabinet_url = serializers.URLField()
    handoff_url = serializers.URLField(help_text="Single use, valid for 60 seconds.")


class SlugAvailability(serializers.Serializer):
    slug = serializers.CharField()
    available = serializers.BooleanField()
    reason = serializers.CharField(allow_null=True)


class SignupView(APIView):
    """A business signs up: its cabinet is ready when this answers."""

    permission_classes = (AllowAny,)
    authentication_classes = ()  # no session, so no CSRF: the endpoint creates, never reads
    parser_classes = (JSONParser,)

    @extend_schema(
        request=SignupInput,
        responses={
            201: SignupOutput,
            400: OpenApiResponse(description="Field errors, keyed by field name"),
            415: OpenApiResponse(description="Not JSON"),
        },
        summary="Create a cabinet",
    )
    def post(self, request: Request) -> Response:
        if not isinstance(request.data, dict):
            return Response({"detail": "Send a JSON object."}, status=status.HTTP_400_BAD_REQUEST)
        form = SignupForm(data=request.data)
        if not form.is_valid():
            return Response(form.errors, status=status.HTTP_400_BAD_REQUEST)
        try:
            tenant = tenant_signup(form=form)
        except ValidationError:
            return Response(form.errors, status=status.HTTP_400_BAD_REQUEST)
        body = {
            "slug": tenant.slug,
            "cabinet_url": cabinet_url(request, tenant),
            "handoff_url": owner_handoff_url(request, tenant, form.cleaned_data["owner_email"]),
        }
        return Response(body, status=status.HTTP_201_CREATED)


class SlugAvailabilityView(APIView):
    permission_classes = (AllowAny,)
    authentication_classes = ()

    @extend_schema(responses=SlugAvailability, summary="Whether a cabinet address is free")
    def get(self, request: Request) -> Response:
        slug = str(request.query_params.get("slug", ""))[:100]
        problem = slug_problem(slug)
        return Response({"slug": slug, "available": problem is None, "reason": problem})
