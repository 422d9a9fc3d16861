from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django.views.static import serve

from tenants.forms import SignupForm, slug_problem
from tenants.models import Domain
from tenants.signup import (
    SignupRateLimited,
    owner_handoff_url,
    signup_address_count,
    signup_attempt_count,
    signup_client,
    tenant_signup,
)


@require_GET
def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "public/landing.html")


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        # the cabinet's language starts as the one this page is read in
        shown = translation.get_language()
        initial = {"language": shown} if shown in dict(settings.LANGUAGES) else {}
        return render(request, "public/signup.html", {"form": SignupForm(initial=initial)})
    language = request.POST.get("language", "")
    if language in dict(settings.LANGUAGES):
        translation.activate(language)
        request.LANGUAGE_CODE = language
    form = SignupForm(request.POST)
    try:
        signup_attempt_count(client=signup_client(request))
        if form.is_valid():
            signup_address_count(email=form.cleaned_data["owner_email"])
            tenant = tenant_signup(form=form)
            # a new owner lands on the optional colours-and-logo step
            email = form.cleaned_data["owner_email"]
            return HttpResponseRedirect(owner_handoff_url(request, tenant, email, landing="brand"))
    except SignupRateLimited as exc:
        form.add_error(None, _("Too many sign-ups at once. Please try again later."))
        response = render(request, "public/signup.html", {"form": form}, status=429)
        response["Retry-After"] = str(exc.retry_after)
        return response
    except ValidationError:
        pass  # the form now carries the error next to the address field
    return render(request, "public/signup.html", {"form": form}, status=400)


@require_GET
def signup_slug_check(request: HttpRequest) -> HttpResponse:
    """HTMX: whether the address typed so far can be had."""
    slug = request.GET.get("slug", "")[:100]
    problem = slug_problem(slug) if slug else None
    context = {"slug": slug.strip().lower(), "problem": problem, "domain": settings.PLATFORM_DOMAIN}
    return render(request, "public/_slug_check.html", context)


# Only these folders hold files meant for anyone who has the URL (logos); everything else a
# tenant stores (exports, documents) is private and goes through views that check the person.
# Pictures clients look at (cabinet.common.images): the branding, services, events, pages,
# rooms, the map.
PUBLIC_MEDIA_PREFIXES = ("branding/", "catalog/", "events/", "pages/", "rooms/", "map/")


@require_GET
def tenant_media(request: HttpRequest, path: str) -> HttpResponse:
    """Serve a public file (a logo) from the requesting host's own media folder only: the same
    path on another tenant's host looks in that tenant's folder and finds nothing."""
    if not path.startswith(PUBLIC_MEDIA_PREFIXES) or ".." in path.split("/"):
        raise Http404
    try:
        return serve(request, path, document_root=default_storage.location)
    except SuspiciousFileOperation as exc:
        raise Http404 from exc


@require_GET
def tls_domain_check(request: HttpRequest) -> HttpResponse:
    """For a TLS proxy's on-demand certificates (Caddy's `ask`): 200 when `?domain=` is a host
    we serve — the platform, a cabinet's subdomain, or a custom domain whose DNS proof passed —
    else 404, so nobody can make the proxy request certificates for names we do not serve."""
    name = request.GET.get("domain", "").strip().lower().rstrip(".")[:253]
    served = bool(name) and (
        name == settings.PLATFORM_DOMAIN
        or Domain.objects.filter(domain=name, is_verified=True).exists()
    )
    return HttpResponse("ok" if served else "not served", status=200 if served else 404,
                        content_type="text/plain")  # fmt: skip
