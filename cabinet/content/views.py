"""The cabinet's home page, the language switch and the information pages."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.decorators.http import require_GET, require_POST

from cabinet.access import back_to
from cabinet.accounts.selectors import client_profile_of
from cabinet.branding.selectors import branding_get
from cabinet.content.home import home_blocks
from cabinet.content.models import InfoPage
from cabinet.feedback.services import feedback_asks
from cabinet.rendering import render_cabinet
from rbac.services import user_language_set


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The clients' home: the hero, then the blocks the owner chose (cabinet.content.home)."""
    client = None
    if request.user.is_authenticated and not request.user.is_staff:
        client = client_profile_of(request.user)
    blocks = home_blocks(client=client, saved=branding_get().home_blocks)
    asks = feedback_asks(client) if client is not None else []
    return render_cabinet(request, "cabinet/home.html", {"blocks": blocks, "feedback_asks": asks})


@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """The person picks a language: remembered on their account, and in a cookie before they
    sign in."""
    language = request.POST.get("language", "")
    response = HttpResponseRedirect(back_to(request, "/"))
    if language not in dict(settings.LANGUAGES):
        return response
    if request.user.is_authenticated:
        user_language_set(user=request.user, language=language)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
    )
    return response


@require_GET
@login_required
def info_page(request: HttpRequest, slug: str = "") -> HttpResponse:
    """The business's information pages (meal times, rules, Wi-Fi): the list, or one page."""
    pages = InfoPage.objects.filter(is_published=True, kind=InfoPage.Kind.INFO)
    page = None
    if slug:
        page = pages.filter(slug=slug[:60]).first()
        if page is None:
            raise Http404
    return render_cabinet(request, "cabinet/info.html", {"pages": pages, "page": page})
