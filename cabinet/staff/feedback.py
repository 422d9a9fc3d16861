"""Staff side of reviews and surveys: the reviews of the clients one may see, with answers
("answer_reviews"); the owner's surveys — design, send to a group, results as charts with data
tables, CSV export ("manage_surveys")."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cabinet.access import staff_required
from cabinet.feedback.models import Survey, SurveyQuestion
from cabinet.feedback.services import (
    LOW_RATING,
    choices_from,
    language_rows,
    localised,
    question_add,
    question_remove,
    review_reply,
    reviews_for,
    survey_audience,
    survey_create,
    survey_export_rows,
    survey_get,
    survey_results,
    survey_send,
    surveys_all,
    texts_from,
)
from cabinet.rendering import render_cabinet
from cabinet.wallet.models import Club, Tier
from rbac.audit import audit_record
from rbac.spreadsheets import csv_response
from tenants.charts import bar_chart

View = Callable[..., HttpResponse]


def permission_required(codename: str) -> Callable[[View], View]:
    """Staff holding `cabinet.<codename>` (the owner holds every one); others get a 403."""

    def decorate(view: View) -> View:
        @staff_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.has_perm(f"cabinet.{codename}"):
                raise PermissionDenied(codename)
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


# --- Reviews -----------------------------------------------------------------------------------

SHOWN = {"all", "low", "unanswered"}


@require_GET
@permission_required("answer_reviews")
def review_list(request: HttpRequest) -> HttpResponse:
    show = request.GET.get("show", "all")
    show = show if show in SHOWN else "all"
    reviews = reviews_for(request.user).filter(answered_at__isnull=False)
    if show == "low":
        reviews = reviews.filter(rating__lte=LOW_RATING)
    elif show == "unanswered":
        reviews = reviews.filter(reply="")
    page = Paginator(reviews, 30).get_page(request.GET.get("page"))
    return render_cabinet(request, "staff/reviews.html", {"page": page, "show": show})


@require_POST
@permission_required("answer_reviews")
def review_reply_view(request: HttpRequest, pk: int) -> HttpResponse:
    review = reviews_for(request.user).filter(pk=pk).first()
    if review is None:
        raise Http404
    try:
        review_reply(review=review, text=request.POST.get("reply", "")[:4000], by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Answer published: the client sees it."))
    return HttpResponseRedirect(f"{reverse('staff:reviews')}#review-{review.pk}", status=303)


# --- Surveys -----------------------------------------------------------------------------------


def _survey(pk: int) -> Survey:
    survey = survey_get(pk)
    if survey is None:
        raise Http404
    return survey


def _target(data: Any) -> tuple[Tier | None, Club | None]:
    def pick(model: type, name: str) -> Any:
        try:
            return model.objects.filter(pk=int(data.get(name) or 0)).first()
        except ValueError:
            return None

    return pick(Tier, "tier"), pick(Club, "club")


@require_http_methods(["GET", "POST"])
@permission_required("manage_surveys")
def survey_list(request: HttpRequest) -> HttpResponse:
    status, error = 200, ""
    if request.method == "POST":
        tier, club = _target(request.POST)
        try:
            survey = survey_create(
                kind=request.POST.get("kind", ""), title=texts_from(request.POST, "title"),
                intro=texts_from(request.POST, "intro"),
                audience=request.POST.get("audience", ""), tier=tier, club=club, by=request.user,
            )  # fmt: skip
        except ValidationError as exc:
            status, error = 400, " ".join(exc.messages)
        else:
            messages.success(request, _("Survey created. Add questions, then send it."))
            return HttpResponseRedirect(reverse("staff:survey", args=[survey.pk]), status=303)
    surveys = [(survey, localised(survey.title)) for survey in surveys_all()[:100]]
    context = {
        "surveys": surveys, "error": error, "kinds": Survey.Kind.choices,
        "audiences": Survey.Audience.choices, "tiers": list(Tier.objects.order_by("min_spent")),
        "clubs": list(Club.objects.order_by("name")),
        "languages": language_rows(request.POST, "title", "intro"),
        "form": request.POST if request.method == "POST" else {},
    }  # fmt: skip
    return render_cabinet(request, "staff/surveys.html", context, status=status)


@require_GET
@permission_required("manage_surveys")
def survey_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _survey_page(request, _survey(pk))


def _survey_page(request: HttpRequest, survey: Survey, *, error: str = "",
                 status: int = 200) -> HttpResponse:  # fmt: skip
    results, invited, answered = survey_results(survey)
    charts = [
        (result, bar_chart(result.counts, height=140) if result.counts else None)
        for result in results
    ]
    context = {
        "survey": survey, "title": localised(survey.title), "charts": charts,
        "invited": invited, "answered": answered,
        "audience_size": survey_audience(survey).count() if survey.sent_at is None else invited,
        "question_kinds": SurveyQuestion.Kind.choices, "error": error,
        "languages": language_rows(request.POST, "text", "choices"),
        "form": request.POST if request.method == "POST" else {},
    }  # fmt: skip
    return render_cabinet(request, "staff/survey_detail.html", context, status=status)


@require_POST
@permission_required("manage_surveys")
def survey_question_add(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _survey(pk)
    try:
        question_add(
            survey=survey, kind=request.POST.get("kind", ""),
            text=texts_from(request.POST, "text"), choices=choices_from(request.POST),
            required=request.POST.get("required") == "on", by=request.user,
        )  # fmt: skip
    except ValidationError as exc:
        return _survey_page(request, survey, error=" ".join(exc.messages), status=400)
    return HttpResponseRedirect(reverse("staff:survey", args=[survey.pk]), status=303)


@require_POST
@permission_required("manage_surveys")
def survey_question_remove(request: HttpRequest, pk: int, question: int) -> HttpResponse:
    survey = _survey(pk)
    found = survey.questions.filter(pk=question).first()
    if found is None:
        raise Http404
    try:
        question_remove(question=found, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return HttpResponseRedirect(reverse("staff:survey", args=[survey.pk]), status=303)


@require_POST
@permission_required("manage_surveys")
def survey_send_view(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _survey(pk)
    try:
        count = survey_send(survey=survey, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            ngettext("Sent to %(n)d client.", "Sent to %(n)d clients.", count) % {"n": count},
        )
    return HttpResponseRedirect(reverse("staff:survey", args=[survey.pk]), status=303)


@require_GET
@permission_required("manage_surveys")
def survey_export(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _survey(pk)
    rows = survey_export_rows(survey)
    audit_record(action="survey.exported", request=request, target=survey,
                 changes={"rows": len(rows) - 1})  # fmt: skip
    return csv_response(rows, filename=f"survey-{survey.pk}-{timezone.now():%Y%m%d}.csv")
