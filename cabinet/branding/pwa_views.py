"""The cabinet as an installable app: a web app manifest and a service worker per tenant, named
and coloured from its branding, so a client adds it to their home screen (and later gets push)."""

import io
import json
from pathlib import Path

from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET
from PIL import Image, ImageDraw, ImageFont

from cabinet.branding.contrast import TEXT_RATIO, UI_RATIO, lightened_to, readable_on
from cabinet.branding.selectors import branding_get

ICON_SIZES = (192, 512)  # in the manifest
OTHER_ICON_SIZES = (32, 180)  # the favicon and the apple-touch-icon


@require_GET
@cache_control(max_age=86400)
def branding_css(request: HttpRequest) -> HttpResponse:
    """The cabinet's colours and font as CSS custom properties: a stylesheet of its own rather
    than an inline <style>, so the Content-Security-Policy needs no 'unsafe-inline'. Pages link
    it with the branding's version, so a change shows at once despite the day-long cache."""
    branding = branding_get()
    body = (
        ":root {\n"
        f"  --brand-primary: {branding.primary_colour};\n"
        f"  --brand-on-primary: {readable_on(branding.primary_colour)};\n"
        f"  --brand-accent: {branding.accent_colour};\n"
        f"  --brand-on-accent: {readable_on(branding.accent_colour)};\n"
        f"  --brand-font: {branding.font_stack};\n"
        f"  --brand-font-heading: {branding.heading_font_stack};\n"
        # dark mode: links and marks in the brand's hue, light enough for AA on the dark card
        f"  --brand-primary-on-dark: {lightened_to(branding.primary_colour, ratio=TEXT_RATIO)};\n"
        f"  --brand-accent-on-dark: {lightened_to(branding.accent_colour, ratio=UI_RATIO)};\n"
        "}\n"
    )
    return HttpResponse(body, content_type="text/css; charset=utf-8")


@require_GET
@cache_control(max_age=3600)
def manifest(request: HttpRequest) -> HttpResponse:
    branding = branding_get()
    version = int(branding.updated_at.timestamp()) if branding.updated_at else 0
    body = {
        "name": branding.display_name,
        "short_name": branding.display_name[:12],
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#f6f7f9",
        "theme_color": branding.primary_colour,
        "icons": [
            {"src": f"/icons/{size}.png?v={version}", "sizes": f"{size}x{size}",
             "type": "image/png", "purpose": "any maskable"}
            for size in ICON_SIZES
        ],
    }  # fmt: skip
    return HttpResponse(json.dumps(body), content_type="application/manifest+json")


@require_GET
@cache_control(max_age=86400)
def icon(request: HttpRequest, size: int) -> HttpResponse:
    """The tenant's logo on its colour, or its initial when it has no logo."""
    if size not in ICON_SIZES + OTHER_ICON_SIZES:
        size = 192
    branding = branding_get()
    image = Image.new("RGB", (size, size), branding.primary_colour)
    if branding.logo:
        with branding.logo.open("rb") as raw, Image.open(raw) as logo:
            logo = logo.convert("RGBA")
            logo.thumbnail((int(size * 0.7), int(size * 0.7)))
            image.paste(logo, ((size - logo.width) // 2, (size - logo.height) // 2), logo)
    else:
        draw = ImageDraw.Draw(image)
        font = ImageFont.load_default(size=int(size * 0.55))
        letter = (branding.display_name[:1] or "K").upper()
        draw.text((size / 2, size / 2), letter, fill=readable_on(branding.primary_colour),
                  font=font, anchor="mm")  # fmt: skip
    out = io.BytesIO()
    image.save(out, format="PNG")
    return HttpResponse(out.getvalue(), content_type="image/png")


# Served from the root (/sw.js) so that it controls the whole cabinet.
SERVICE_WORKER = (
    Path(__file__).resolve().parents[2] / "frontend_templates" / "static" / "js" / "sw.js"
).read_text()


@require_GET
@cache_control(max_age=0, no_cache=True)
def service_worker(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(SERVICE_WORKER, content_type="application/javascript")
    response["Service-Worker-Allowed"] = "/"
    return response


@require_GET
def offline(request: HttpRequest) -> HttpResponse:
    from cabinet.rendering import render_cabinet

    return render_cabinet(request, "cabinet/offline.html")
