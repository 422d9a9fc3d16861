from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cabinet.branding.models import Branding
from cabinet.branding.selectors import branding_get


class BrandingOutput(serializers.ModelSerializer):
    logo_url = serializers.SerializerMethodField()

    class Meta:
        model = Branding
        fields = ("display_name", "tagline", "primary_colour", "accent_colour", "font", "logo_url")

    def get_logo_url(self, branding: Branding) -> str | None:
        return branding.logo.url if branding.logo else None


class BrandingView(APIView):
    """The cabinet's public look: what a mobile app or a partner site needs to match it."""

    permission_classes = (AllowAny,)

    @extend_schema(responses=BrandingOutput, summary="The cabinet's name, colours and logo")
    def get(self, request: Request) -> Response:
        return Response(BrandingOutput(branding_get()).data)
