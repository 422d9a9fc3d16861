from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import Throttled
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cabinet.rest import JsonInput
from tenants.forms import SignupForm, slug_problem, time_zone_choices
from tenants.signup import (
    SignupRateLimited,
    cabinet_url,
    owner_handoff_url,
    signup_address_count,
    signup_attempt_count,
    signup_client,
    tenant_signup,
)
from tenants.slugs import SLUG_MAX, SLUG_MIN, SLUG_PATTERN
from tenants.verticals import vertical_choices


class SignupInput(JsonInput):
    """What the sign-up takes; the form (tenants.forms.SignupForm) is what checks it."""

    business_name = serializers.CharField(max_length=120)
    slug = serializers.RegexField(
        SLUG_PATTERN, min_length=SLUG_MIN, max_length=SLUG_MAX, trim_whitespace=False,
        help_text="The cabinet's address: <slug>.<platform domain>. Some words are reserved.",
    )  # fmt: skip
    vertical = serializers.ChoiceField(choices=[])
    owner_email = serializers.EmailField(max_length=254)
    password = serializers.CharField(
        min_length=8, max_length=1024, write_only=True, trim_whitespace=False,
        help_text="At least 8 characters; not a common or breached password, not made of the "
        "site's name or the email.",
    )  # fmt: skip
    language = serializers.ChoiceField(choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE)
    time_zone = serializers.ChoiceField(
        choices=time_zone_choices(), default="UTC",
        help_text="Where the business is: every time in the cabinet is shown in it.",
    )  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["vertical"].choices = vertical_choices()  # the installed verticals

    def validate_slug(self, value: str) -> str:
        if "\n" in value:  # the pattern's `$` lets one final line break through
            raise serializers.ValidationError("Latin letters, digits and hyphens only.")
        return value


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
        },
        summary="Create a cabinet",
    )
    def post(self, request: Request) -> Response:
        try:
            signup_attempt_count(client=signup_client(request))
            data = SignupInput(data=request.data)  # exactly what the schema says; then the rules
            data.is_valid(raise_exception=True)
            form = SignupForm(data=data.validated_data)
            if not form.is_valid():
                return Response(form.errors, status=status.HTTP_400_BAD_REQUEST)
            signup_address_count(email=form.cleaned_data["owner_email"])
            tenant = tenant_signup(form=form)
        except SignupRateLimited as exc:
            raise Throttled(
                wait=exc.retry_after, detail=_("Too many sign-ups at once. Please try again later.")
            ) from exc
        except ValidationError:
            return Response(form.errors, status=status.HTTP_400_BAD_REQUEST)
        body = {
            "slug": tenant.slug,
            "cabinet_url": cabinet_url(request, tenant),
            "handoff_url": owner_handoff_url(
                request, tenant, form.cleaned_data["owner_email"], landing="brand"
            ),
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
