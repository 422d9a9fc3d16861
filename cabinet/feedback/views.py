"""The client's side of reviews and surveys: what we asked them (and our answers to their
reviews), one review's page and one survey's page. The last two open by a signed link (from an
email or a message) that names the review or the survey place and the cabinet."""

from contextlib import AbstractContextManager, nullcontext

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from cabinet.access import client_of
from cabinet.accounts.models import ClientProfile
from cabinet.feedback.models import Review, SurveyQuestion, SurveyResponse
from cabinet.feedback.services import (
    client_reviews,
    client_surveys_waiting,
    localised,
    response_from_token,
    review_from_token,
    review_link,
    review_submit,
    survey_answer,
    survey_link,
)
from cabinet.notifications.services import in_language_of
from cabinet.rendering import render_cabinet
from rbac.models import User


def _holder_only(request: HttpRequest, client: ClientProfile) -> None:
    """A signed link is the client's: signed in as somebody else (or as staff), it is a 404."""
    user: User = request.user
    if user.is_authenticated and user.pk != client.user_id:
        raise Http404


def _their_language(request: HttpRequest, client: ClientProfile) -> AbstractContextManager:
    """Opened from an email without signing in: the client's own language (signed in, the
    request already speaks the language they chose)."""
    return nullcontext() if request.user.is_authenticated else in_language_of(client.user)


@require_GET
@login_required
def feedback(request: HttpRequest) -> HttpResponse:
    client = client_of(request)
    reviews = list(client_reviews(client)[:50])
    waiting = [(review, review_link(review)) for review in reviews if review.answered_at is None]
    surveys = [(response, localised(response.survey.title), survey_link(response))
               for response in client_surveys_waiting(client)]  # fmt: skip
    answered = [review for review in reviews if review.answered_at is not None]
    context = {"waiting": waiting, "surveys": surveys, "answered": answered}
    return render_cabinet(request, "cabinet/feedback.html", context)


@require_http_methods(["GET", "POST"])
def review_page(request: HttpRequest, token: str) -> HttpResponse:
    review = review_from_token(token)
    if review is None or not review.client.user.is_active:
        raise Http404
    _holder_only(request, review.client)
    with _their_language(request, review.client):
        return _review_page(request, review)


def _review_page(request: HttpRequest, review: Review) -> HttpResponse:
    status, error = 200, ""
    if request.method == "POST" and review.answered_at is None:
        try:
            review = review_submit(review=review, rating=request.POST.get("rating", ""),
                                   comment=request.POST.get("comment", "")[:4000])  # fmt: skip
        except ValidationError as exc:
            status, error = 400, " ".join(exc.messages)
        else:
            messages.success(request, _thanks())
            return HttpResponseRedirect(request.path, status=303)
    context = {"review": review, "error": error, "stars": range(5, 0, -1),
               "chosen": request.POST.get("rating", ""),
               "comment": request.POST.get("comment", "")[:2000]}  # fmt: skip
    return render_cabinet(request, "cabinet/review.html", context, status=status)


def _thanks() -> str:
    return _("Thank you! We read every answer.")


def _questions(response: SurveyResponse, data: dict, errors: dict) -> list[dict]:
    rows = []
    for question in response.survey.questions.all():
        kind = question.kind
        options: list[tuple[str, str]] = []
        if kind == SurveyQuestion.Kind.RATING:
            options = [(str(n), str(n)) for n in range(1, 6)]
        elif kind == SurveyQuestion.Kind.NPS:
            options = [(str(n), str(n)) for n in range(0, 11)]
        elif kind == SurveyQuestion.Kind.CHOICE:
            options = [(str(i), localised(c)) for i, c in enumerate(question.choices)]
        rows.append({
            "question": question, "text": localised(question.text), "options": options,
            "name": f"q{question.pk}", "value": str(data.get(f"q{question.pk}", "")),
            "errors": errors.get(str(question.pk), []),
        })  # fmt: skip
    return rows


@require_http_methods(["GET", "POST"])
def survey_page(request: HttpRequest, token: str) -> HttpResponse:
    response = response_from_token(token)
    if response is None or response.survey.sent_at is None or not response.client.user.is_active:
        raise Http404
    _holder_only(request, response.client)
    with _their_language(request, response.client):
        return _survey_page(request, response)


def _survey_page(request: HttpRequest, response: SurveyResponse) -> HttpResponse:
    status, errors, data = 200, {}, {}
    if request.method == "POST" and response.answered_at is None:
        data = request.POST
        try:
            response = survey_answer(response=response, data=request.POST)
        except ValidationError as exc:
            status = 400
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
        else:
            messages.success(request, _thanks())
            return HttpResponseRedirect(request.path, status=303)
    context = {
        "response": response, "title": localised(response.survey.title),
        "intro": localised(response.survey.intro), "questions": _questions(response, data, errors),
        "form_error": " ".join(errors.get("", [])), "has_errors": bool(errors),
    }  # fmt: skip
    return render_cabinet(request, "cabinet/survey.html", context, status=status)
