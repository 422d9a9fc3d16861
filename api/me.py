from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.auth import TokenThrottle
from api.client import IsClient
from api.custom_fields import fields_of, values_field, values_in, values_out
from cabinet.accounts.models import ClientProfile
from cabinet.accounts.profile import PREFERENCES_MAX, client_profile_update, client_profile_values
from cabinet.accounts.selectors import client_profile_of
from cabinet.custom_fields import services as custom_fields
from cabinet.rest import JsonInput
from rbac.models import User
from rbac.sign_in import SignInRefused, api_token_issue


class MeOutput(serializers.ModelSerializer):
    role = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ("id", "email", "full_name", "language", "role", "date_joined")

    def get_role(self, user: User) -> str:
        if user.is_superuser:
            return "owner"
        return "staff" if user.is_staff else "client"


class MeView(APIView):
    """The person this request is signed in as, in this cabinet."""

    permission_classes = (IsAuthenticated,)

    @extend_schema(responses={200: MeOutput, 401: OpenApiResponse(description="Not signed in")})
    def get(self, request: Request) -> Response:
        return Response(MeOutput(request.user).data)


class TokenInput(JsonInput):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=1024, trim_whitespace=False)
    code = serializers.CharField(
        max_length=12, required=False, help_text="The authenticator code, when two-factor is on."
    )


class TokenOutput(serializers.Serializer):
    token = serializers.CharField()


def _not_signed_in(detail: str, code: str) -> Response:
    return Response(
        {"detail": detail, "code": code},
        status=status.HTTP_401_UNAUTHORIZED,
        headers={"WWW-Authenticate": "Token"},
    )


class TokenView(APIView):
    """Exchange this cabinet's email and password (and two-factor code) for an API token, under
    the sign-in page's own limits and lockout (rbac.sign_in). A token belongs to one cabinet: it
    is stored in that cabinet's schema and means nothing anywhere else; it expires."""

    permission_classes = (AllowAny,)
    authentication_classes = ()
    throttle_classes = (TokenThrottle,)
    throttle_scope = "api_token"

    @extend_schema(
        request=TokenInput,
        responses={
            200: TokenOutput,
            401: OpenApiResponse(
                description="Wrong email or password (the same answer for an unknown or "
                "unverified account), or, once the password is right, a missing or wrong "
                "two-factor code, or (no second factor) a sign-in code just sent by email or "
                "SMS (`sign_in_code_sent`) or a wrong one"
            ),
            403: OpenApiResponse(
                description="The password is right, but the email address is not verified "
                "yet, or this cabinet asks staff to set up two-factor sign-in first"
            ),
            429: OpenApiResponse(
                description="Too many failed attempts for this account, or too many sign-in "
                "codes asked for (`too_many_codes`)"
            ),
        },
    )
    def post(self, request: Request) -> Response:
        form = TokenInput(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            token = api_token_issue(
                request=request._request,
                email=form.validated_data["email"],
                password=form.validated_data["password"],
                code=form.validated_data.get("code", ""),
            )
        except SignInRefused as refused:
            if refused.status == status.HTTP_401_UNAUTHORIZED:
                return _not_signed_in(refused.detail, refused.code)
            return Response({"detail": refused.detail, "code": refused.code}, status=refused.status)
        return Response({"token": token})

    @extend_schema(responses={204: None})
    def delete(self, request: Request) -> Response:
        """Revoke the token this request carries."""
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if header.startswith("Token "):
            Token.objects.filter(key=header.removeprefix("Token ").strip()[:40]).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class ProfileOutput(serializers.Serializer):
    email = serializers.EmailField(help_text="Changed in the cabinet, verified by a link first.")
    phone = serializers.CharField(help_text="The verified sign-in phone; changed by a code.")
    full_name = serializers.CharField()
    language = serializers.CharField()
    birth_date = serializers.DateField(allow_null=True)
    preferences = serializers.CharField()
    marketing_consent = serializers.BooleanField()
    marketing_consent_at = serializers.DateTimeField(allow_null=True)
    custom = values_field("client", "client")


class ProfileInput(JsonInput):
    full_name = serializers.CharField(max_length=150, required=False)
    language = serializers.ChoiceField(
        choices=["", *dict(settings.LANGUAGES)], required=False, allow_blank=True
    )
    birth_date = serializers.DateField(required=False, allow_null=True)
    preferences = serializers.CharField(
        max_length=PREFERENCES_MAX, required=False, allow_blank=True
    )
    marketing_consent = serializers.BooleanField(required=False)
    custom = values_field("client", "client", required=False)


def _profile_output(user: User, profile: ClientProfile) -> dict:
    return ProfileOutput(
        {
            **client_profile_values(user, profile),
            "email": user.email,
            "phone": user.phone if user.phone_verified else "",
            "marketing_consent_at": profile.marketing_consent_at,
            "custom": values_out(profile, fields_of("client", "client"), "client"),
        }
    ).data


def _custom_save(profile: ClientProfile, values: dict, request: Request) -> None:
    try:
        custom_fields.values_save(record=profile, target="client", values=values,
                                  by=request.user, request=request._request)  # fmt: skip
    except ValidationError as exc:
        raise serializers.ValidationError({"custom": exc.messages}) from exc


class MeProfileView(APIView):
    """The client's own profile, as on /account/profile/. Email and phone are read here and
    changed in the cabinet, where a new one is verified before it replaces the old one."""

    permission_classes = (IsClient,)

    @extend_schema(responses={200: ProfileOutput})
    def get(self, request: Request) -> Response:
        return Response(_profile_output(request.user, client_profile_of(request.user)))

    @extend_schema(
        request=ProfileInput,
        responses={
            200: ProfileOutput,
            400: OpenApiResponse(description="A field is invalid (a birthday in the future …)"),
        },
        summary="Change some of the profile's fields; the others stay as they are",
    )
    def patch(self, request: Request) -> Response:
        form = ProfileInput(data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        user = request.user
        profile = client_profile_of(user)
        changes = dict(form.validated_data)
        custom = values_in(changes.pop("custom"), "client", "client") if "custom" in changes else {}
        values = {**client_profile_values(user, profile), **changes}
        try:
            with transaction.atomic():
                profile = client_profile_update(user=user, **values)
                if custom:
                    _custom_save(profile, custom, request)
        except ValidationError as exc:
            raise serializers.ValidationError({exc.code or "detail": exc.messages}) from exc
        return Response(_profile_output(user, profile))
