"""Hearing the clients: a review asked once after each finished thing, and the owner's surveys.

Reviews. When a stay checks out, an order is done or an event the client booked has ended, the
service that finished it calls `review_ask` (or the periodic `reviews_ask_after_events` does, for
events): one Review per finished thing (its `subject`, unique), announced once in the app and on
the client's channels with a signed link that names the cabinet (tenants.signing). The client
rates it 1–5 with a comment once; a rating of 2 or less opens one work item (cabinet.work.intake);
staff answer, and the client sees the answer.

Surveys. The owner writes an NPS or CSAT survey whose texts are per language ({"en": …,
"ru": …}, the cabinet's default language as the fallback — the shape multilingual content can
adopt), and sends it once to a group of clients; each gets one SurveyResponse to fill in once.
An NPS detractor (0–6) opens one work item too. Results: NPS (promoters 9–10 minus detractors
0–6, in points), CSAT (4–5 out of 5, in %), per question, and a CSV export.
"""

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import (
    Avg,
    CharField,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Concat, JSONObject
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cabinet.accounts.models import ClientProfile
from cabinet.bookings.models import Booking
from cabinet.content.translations import content_languages
from cabinet.feedback.models import Review, Survey, SurveyQuestion, SurveyResponse
from cabinet.notifications.models import NotificationEvent
from cabinet.notifications.services import in_language_of, notify
from cabinet.orders.models import Order
from cabinet.wallet.models import Tier
from cabinet.work.intake import work_close, work_open
from cabinet.work.models import WorkRequest
from rbac.audit import audit_record
from rbac.models import User
from tenants import signing

LOW_RATING = 2  # this or less opens a work item
LINK_DAYS = 60  # a review or survey link in an email works this long
EVENT_LOOKBACK = dt.timedelta(days=3)  # events that ended this recently are asked about
Q_KIND = SurveyQuestion.Kind


# --- Texts per language ------------------------------------------------------------------------


def localised(texts: dict[str, str] | None, language: str | None = None) -> str:
    """The text in `language` (the active one by default), else in the cabinet's default
    language, else any that is written."""
    texts = texts or {}
    wanted = (language or translation.get_language() or "")[:2]
    default = getattr(connection.tenant, "default_language", "en")
    for key in (wanted, default):
        if texts.get(key):
            return texts[key]
    return next((text for text in texts.values() if text), "")


def survey_languages() -> list[str]:
    """The languages the owner writes survey texts in: the cabinet's content languages."""
    return content_languages()


def language_rows(data: Any, *prefixes: str) -> list[tuple[str, str, dict[str, str]]]:
    """(code, the language's name in the reader's language, {prefix: what was typed}) for each
    survey language, for the editors' inputs."""
    return [
        (code, translation.get_language_info(code)["name_translated"],
         {prefix: str(data.get(f"{prefix}_{code}", "")) for prefix in prefixes})
        for code in survey_languages()
    ]  # fmt: skip


def texts_from(data: Any, prefix: str) -> dict[str, str]:
    """{language: text} from form fields named `<prefix>_<language>`."""
    return {
        lang: " ".join(str(data.get(f"{prefix}_{lang}", "")).split())[:300]
        for lang in survey_languages()
        if str(data.get(f"{prefix}_{lang}", "")).strip()
    }


# --- Reviews: asked once -----------------------------------------------------------------------


def _signed_link(kind: str, pk: int) -> str:
    """The page of a review or a survey place ("review", "survey") by a signed token: it opens
    that one, in this cabinet only."""
    return reverse(f"cabinet:{kind}", args=[signing.sign(f"cabinet.{kind}", pk)])


def review_link(review: Review) -> str:
    return _signed_link("review", review.pk)


def review_from_token(token: str) -> Review | None:
    pk = signing.unsign("cabinet.review", token, max_age=LINK_DAYS * 86400)
    if not isinstance(pk, int):
        return None
    return Review.objects.select_related("client__user").filter(pk=pk).first()


def review_ask(
    *, client: ClientProfile, subject: str, title: str, service: str = "",
    staff: User | None = None, url: str = "",
) -> Review | None:  # fmt: skip
    """Ask the client about a finished thing, once: None when it was asked already (or the
    client's account is gone). Runs inside the caller's transaction."""
    if not client.user.is_active:
        return None
    try:
        with transaction.atomic():
            review = Review.objects.create(
                client=client, subject=subject[:40], title=title[:200], service=service[:120],
                staff=staff if staff is not None and staff.is_staff else None, url=url[:300],
            )  # fmt: skip
    except IntegrityError:  # asked before
        return None
    with in_language_of(client.user):
        heading = _("How was it? %(title)s") % {"title": review.title}
        body = _("Rate it from 1 to 5 and tell us what to keep or change: it takes a minute.")
    notify(recipient=client.user, event=NotificationEvent.FEEDBACK, title=heading, body=body,
           url=review_link(review), key=f"review:{review.pk}:ask")  # fmt: skip
    return review


def review_ask_for_order(order: Order, *, by: User) -> Review | None:
    """An order is done: ask about it; the service is its first line, the staff its closer."""
    first = order.items.order_by("pk").first()
    with in_language_of(order.client.user):
        title = _("Order #%(pk)s") % {"pk": order.pk}
    return review_ask(client=order.client, subject=f"order:{order.pk}", title=title,
                      service=first.name if first else "", staff=by,
                      url=f"/orders/{order.pk}/")  # fmt: skip


def reviews_ask_after_events(*, now: dt.datetime | None = None) -> int:
    """Every client with a confirmed place at an event that ended recently is asked about it,
    once (periodic and idempotent: the subject is unique). Returns how many were asked."""
    now = now or timezone.now()
    asked = Review.objects.filter(
        subject=Concat(Value("booking:"), Cast(OuterRef("pk"), CharField()))
    )
    due = (
        Booking.objects.filter(status=Booking.Status.CONFIRMED,
                               event__ends_at__lte=now, event__ends_at__gt=now - EVENT_LOOKBACK)
        .exclude(Exists(asked))
        .select_related("event", "client__user")
    )  # fmt: skip
    count = 0
    for booking in due:
        with transaction.atomic():
            made = review_ask(client=booking.client, subject=f"booking:{booking.pk}",
                              title=booking.event.title, service=booking.event.title,
                              url=f"/bookings/{booking.pk}/")  # fmt: skip
        count += made is not None
    return count


@transaction.atomic
def review_submit(*, review: Review, rating: object, comment: str) -> Review:
    """The client's rating and comment, once. A low rating opens one work item for the staff."""
    locked = Review.objects.select_for_update().select_related("client__user").get(pk=review.pk)
    if locked.answered_at is not None:
        raise ValidationError(_("You have already rated this. Thank you!"), code="answered")
    try:
        value = int(str(rating))
    except ValueError:
        value = 0
    if not 1 <= value <= 5:
        raise ValidationError(_("Choose from 1 to 5 stars."), code="rating")
    comment = (comment or "").strip()
    if len(comment) > 2000:
        raise ValidationError(_("Write at most 2000 characters."), code="too_long")
    locked.rating, locked.comment, locked.answered_at = value, comment, timezone.now()
    locked.save(update_fields=["rating", "comment", "answered_at"])
    audit_record(action="review.answered", actor=locked.client.user, target=locked,
                 changes={"rating": value})  # fmt: skip
    if value <= LOW_RATING:
        _low_score_work(client=locked.client, source=f"review:{locked.pk}",
                        title=_("Low rating (%(n)d/5): %(title)s") % {"n": value,
                                                                       "title": locked.title},
                        details=comment)  # fmt: skip
    return locked


def _low_score_work(*, client: ClientProfile, source: str, title: str, details: str) -> None:
    """One work item per low score, ever (closed or not, a second one is never made)."""
    if WorkRequest.objects.filter(source=source).exists():
        return
    work_open(client=client, kind="review", source=source, title=title, details=details)


@transaction.atomic
def review_reply(*, review: Review, text: str, by: User) -> Review:
    """Staff's public answer to a review (the client sees it, and hears of it); answering a low
    rating closes its work item."""
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("Write the answer."), code="empty")
    if len(text) > 2000:
        raise ValidationError(_("Write at most 2000 characters."), code="too_long")
    locked = Review.objects.select_for_update().select_related("client__user").get(pk=review.pk)
    if locked.answered_at is None:
        raise ValidationError(_("The client has not rated this yet."), code="unanswered")
    first = not locked.reply
    locked.reply, locked.replied_by, locked.replied_at = text, by, timezone.now()
    locked.save(update_fields=["reply", "replied_by", "replied_at"])
    audit_record(action="review.replied", actor=by, target=locked, changes={"first": first})
    work_close(source=f"review:{locked.pk}", by=by)
    if first:
        with in_language_of(locked.client.user):
            heading = _("We answered your review: %(title)s") % {"title": locked.title}
        notify(recipient=locked.client.user, event=NotificationEvent.FEEDBACK, title=heading,
               body=text, url=reverse("cabinet:feedback"),
               key=f"review:{locked.pk}:reply")  # fmt: skip
    return locked


def client_reviews(client: ClientProfile) -> QuerySet[Review]:
    return Review.objects.filter(client=client)


def reviews_for(user: User) -> QuerySet[Review]:
    """The reviews a member of staff may see: those of the clients they may see."""
    from cabinet.access import clients_for

    return (
        Review.objects.filter(client__in=clients_for(user).values("pk"))
        .select_related("client__user", "staff", "replied_by")
        .order_by("-answered_at", "-id")
    )


# --- Surveys: designed by the owner ------------------------------------------------------------

# The question a new survey of each kind starts with, in every interface language.
STARTER_QUESTIONS = {
    Survey.Kind.NPS: (Q_KIND.NPS, {
        "en": "How likely are you to recommend us to a friend or colleague?",
        "ru": "Насколько вероятно, что вы порекомендуете нас другу или коллеге?",
        "ar": "ما مدى احتمال أن توصي بنا لصديق أو زميل؟",
    }),
    Survey.Kind.CSAT: (Q_KIND.RATING, {
        "en": "How satisfied are you with us overall?",
        "ru": "Насколько вы довольны нами в целом?",
        "ar": "ما مدى رضاك عنا بشكل عام؟",
    }),
}  # fmt: skip


def _survey_target(audience: str, tier: Tier | None, club: Any) -> None:
    if audience not in Survey.Audience.values:
        raise ValidationError(_("Choose who receives the survey."), code="audience")
    if audience == Survey.Audience.TIER and tier is None:
        raise ValidationError(_("Choose the loyalty level."), code="tier")
    if audience == Survey.Audience.CLUB and club is None:
        raise ValidationError(_("Choose the club."), code="club")


@transaction.atomic
def survey_create(
    *, kind: str, title: dict[str, str], intro: dict[str, str], audience: str,
    tier: Tier | None = None, club: Any = None, by: User,
) -> Survey:  # fmt: skip
    """A draft survey with the standard first question of its kind."""
    if kind not in Survey.Kind.values:
        raise ValidationError(_("Choose NPS or CSAT."), code="kind")
    if not title:
        raise ValidationError(_("Give the survey a title."), code="title")
    _survey_target(audience, tier, club)
    survey = Survey.objects.create(
        kind=kind, title=title, intro=intro, audience=audience, created_by=by,
        tier=tier if audience == Survey.Audience.TIER else None,
        club=club if audience == Survey.Audience.CLUB else None,
    )  # fmt: skip
    question_kind, text = STARTER_QUESTIONS[kind]
    SurveyQuestion.objects.create(survey=survey, kind=question_kind, text=text, required=True)
    audit_record(action="survey.created", actor=by, target=survey, changes={"kind": kind})
    return survey


def surveys_all() -> QuerySet[Survey]:
    """The cabinet's surveys, newest first, with how many they went to and how many answered."""
    return Survey.objects.annotate(
        invited=Count("responses"),
        answered=Count("responses", filter=Q(responses__answered_at__isnull=False)),
    ).order_by("-created_at", "-id")


def survey_get(pk: int) -> Survey | None:
    return Survey.objects.select_related("tier", "club").filter(pk=pk).first()


def _draft(survey: Survey) -> Survey:
    locked = Survey.objects.select_for_update().get(pk=survey.pk)
    if locked.sent_at is not None:
        raise ValidationError(_("A sent survey cannot be changed."), code="sent")
    return locked


@transaction.atomic
def question_add(
    *, survey: Survey, kind: str, text: dict[str, str], choices: list[dict[str, str]],
    required: bool, by: User,
) -> SurveyQuestion:  # fmt: skip
    locked = _draft(survey)
    if kind not in Q_KIND.values:
        raise ValidationError(_("Choose how the question is answered."), code="kind")
    if not text:
        raise ValidationError(_("Write the question."), code="text")
    if kind == Q_KIND.CHOICE and len(choices) < 2:
        raise ValidationError(_("Give at least two answers to choose from."), code="choices")
    if locked.questions.count() >= 20:
        raise ValidationError(_("A survey has at most 20 questions."), code="too_many")
    last = locked.questions.order_by("-position").values_list("position", flat=True).first()
    question = SurveyQuestion.objects.create(
        survey=locked, kind=kind, text=text, required=required,
        choices=choices if kind == Q_KIND.CHOICE else [], position=(last or 0) + 1,
    )  # fmt: skip
    audit_record(action="survey.question_added", actor=by, target=locked, changes={"kind": kind})
    return question


@transaction.atomic
def question_remove(*, question: SurveyQuestion, by: User) -> None:
    survey = _draft(question.survey)
    question.delete()
    audit_record(action="survey.question_removed", actor=by, target=survey)


def choices_from(data: Any) -> list[dict[str, str]]:
    """Answers to choose from, one per line in each language's box (lines pair up by order)."""
    languages = survey_languages()
    lines = {
        lang: [" ".join(x.split())[:120] for x in str(data.get(f"choices_{lang}", "")).splitlines()
               if x.strip()][:12]
        for lang in languages
    }  # fmt: skip
    count = max((len(found) for found in lines.values()), default=0)
    return [
        {lang: lines[lang][i] for lang in languages if i < len(lines[lang])} for i in range(count)
    ]


def survey_audience(survey: Survey) -> QuerySet[ClientProfile]:
    """The clients a survey goes to: everyone; those served lately (a stay, an order, an event
    or an appointment finished in the window — each such finish asks a review, so the reviews
    asked are the record of it, whatever the vertical); a loyalty level (by what they spent, as
    cabinet.wallet.loyalty counts it); or a club's members."""
    clients = ClientProfile.objects.filter(user__is_active=True, user__is_staff=False)
    audience = survey.audience
    if audience in (Survey.Audience.LAST_WEEK, Survey.Audience.LAST_MONTH):
        days = 7 if audience == Survey.Audience.LAST_WEEK else 30
        since = timezone.now() - dt.timedelta(days=days)
        served = Review.objects.filter(asked_at__gte=since).values("client_id")
        return clients.filter(pk__in=served)
    if audience == Survey.Audience.TIER and survey.tier_id:
        tiers = list(Tier.objects.order_by("min_spent"))
        tier = next(t for t in tiers if t.pk == survey.tier_id)
        above = [t.min_spent for t in tiers if t.min_spent > tier.min_spent]
        paid = Q(orders__status=Order.Status.DONE) & ~Q(orders__payment=Order.Payment.POINTS)
        spent = Coalesce(
            Sum("orders__total", filter=paid),
            Value(0, output_field=Order._meta.get_field("total")),
        )
        found = clients.annotate(spent=spent).filter(spent__gte=tier.min_spent)
        return found.filter(spent__lt=above[0]) if above else found
    if audience == Survey.Audience.CLUB and survey.club_id:
        return clients.filter(clubs=survey.club_id)
    if audience == Survey.Audience.EVERYONE:
        return clients
    return clients.none()


@transaction.atomic
def survey_send(*, survey: Survey, by: User) -> int:
    """Send the survey to its group, once: each client gets a place to answer; they hear of it
    from a task after commit. Returns how many it went to."""
    locked = _draft(survey)
    if not locked.questions.exists():
        raise ValidationError(_("Add a question first."), code="empty")
    clients = list(survey_audience(locked).values_list("pk", flat=True))
    if not clients:
        raise ValidationError(_("No client is in this group yet."), code="nobody")
    SurveyResponse.objects.bulk_create(
        [SurveyResponse(survey=locked, client_id=pk) for pk in clients], ignore_conflicts=True
    )
    locked.sent_at = timezone.now()
    locked.save(update_fields=["sent_at"])
    audit_record(action="survey.sent", actor=by, target=locked, changes={"clients": len(clients)})
    from tenants.tasks_base import enqueue_on_commit, task_named

    announce_survey = task_named("cabinet.announce_survey")

    enqueue_on_commit(announce_survey, locked.pk)
    return len(clients)


def survey_link(response: SurveyResponse) -> str:
    return _signed_link("survey", response.pk)


def response_from_token(token: str) -> SurveyResponse | None:
    pk = signing.unsign("cabinet.survey", token, max_age=LINK_DAYS * 86400)
    if not isinstance(pk, int):
        return None
    return SurveyResponse.objects.select_related("survey", "client__user").filter(pk=pk).first()


def survey_announce(*, survey_id: int) -> int:
    """Tell each client the survey was sent to (idempotent: notify() keys it per client)."""
    survey = Survey.objects.filter(pk=survey_id).first()
    if survey is None:
        return 0
    told = 0
    waiting = survey.responses.filter(answered_at__isnull=True).select_related("client__user")
    for response in waiting:
        user = response.client.user
        with in_language_of(user):
            title = _("A few questions: %(title)s") % {"title": localised(survey.title)}
            body = localised(survey.intro) or _("Your answers help us do better.")
        made = notify(recipient=user, event=NotificationEvent.FEEDBACK, title=title, body=body,
                      url=survey_link(response), key=f"survey:{survey.pk}:{user.pk}")  # fmt: skip
        told += made is not None
    return told


def _answer_of(question: SurveyQuestion, raw: str) -> object | None:
    """The stored answer to one question from what the form sent; None when unanswered.
    Raises ValidationError (in the client's language) when it is not a possible answer."""
    raw = (raw or "").strip()
    if not raw:
        return None
    if question.kind == Q_KIND.TEXT:
        if len(raw) > 2000:
            raise ValidationError(_("Write at most 2000 characters."), code="too_long")
        return raw
    if question.kind == Q_KIND.YES_NO:
        if raw not in ("yes", "no"):
            raise ValidationError(_("Answer yes or no."), code="yes_no")
        return raw == "yes"
    low, high = {Q_KIND.RATING: (1, 5), Q_KIND.NPS: (0, 10)}.get(
        question.kind, (0, len(question.choices) - 1)
    )
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if not low <= value <= high:
        raise ValidationError(_("Choose one of the answers."), code="choice")
    return value


@transaction.atomic
def survey_answer(*, response: SurveyResponse, data: Any) -> SurveyResponse:
    """The client's answers, once. Raises ValidationError with a message per question id when
    an answer is missing or not possible; nothing is saved then."""
    locked = SurveyResponse.objects.select_for_update().get(pk=response.pk)
    if locked.answered_at is not None:
        raise ValidationError(_("You have already answered this survey. Thank you!"),
                              code="answered")  # fmt: skip
    answers, errors = {}, {}
    for question in locked.survey.questions.all():
        try:
            value = _answer_of(question, str(data.get(f"q{question.pk}", ""))[:4000])
        except ValidationError as exc:
            errors[str(question.pk)] = exc.messages
            continue
        if value is None and question.required:
            errors[str(question.pk)] = [_("Please answer this question.")]
        elif value is not None:
            answers[str(question.pk)] = value
    if errors:
        raise ValidationError(errors)
    locked.answers, locked.answered_at = answers, timezone.now()
    locked.save(update_fields=["answers", "answered_at"])
    client = ClientProfile.objects.select_related("user").get(pk=locked.client_id)
    audit_record(action="survey.answered", actor=client.user, target=locked.survey)
    detractor = [q for q in locked.survey.questions.all()
                 if q.kind == Q_KIND.NPS and isinstance(answers.get(str(q.pk)), int)
                 and answers[str(q.pk)] <= 6]  # fmt: skip
    if detractor:
        score = answers[str(detractor[0].pk)]
        title = _("NPS detractor (%(n)d/10): %(survey)s") % {
            "n": score,
            "survey": localised(locked.survey.title),
        }
        details = " · ".join(str(v) for v in answers.values() if isinstance(v, str))
        _low_score_work(client=client, source=f"survey:{locked.pk}", title=title,
                        details=details)  # fmt: skip
    return locked


def client_surveys_waiting(client: ClientProfile) -> QuerySet[SurveyResponse]:
    return SurveyResponse.objects.filter(
        client=client, answered_at__isnull=True, survey__sent_at__isnull=False
    ).select_related("survey")


def feedback_asks(client: ClientProfile, *, limit: int = 3) -> list[tuple[str, str]]:
    """(title, link) of what the client was asked and has not answered yet, newest first: the
    card on their home page. One query (reviews and surveys as one union)."""
    reviews = (
        client_reviews(client)
        .filter(answered_at__isnull=True)
        .annotate(kind=Value("review"), texts=JSONObject(text=F("title")), at=F("asked_at"))
        .values_list("kind", "pk", "texts", "at")
    )
    surveys = (
        client_surveys_waiting(client)
        .annotate(kind=Value("survey"), texts=F("survey__title"), at=F("invited_at"))
        .values_list("kind", "pk", "texts", "at")
    )
    asks = []
    for kind, pk, texts, _at in reviews.union(surveys).order_by("-at")[:limit]:
        asks.append((localised(texts), _signed_link(kind, pk)))
    return asks


# --- Results -----------------------------------------------------------------------------------


def nps_score(scores: list[int]) -> float | None:
    """Net Promoter Score: % of promoters (9–10) minus % of detractors (0–6), -100 to 100."""
    if not scores:
        return None
    promoters = sum(1 for s in scores if s >= 9)
    detractors = sum(1 for s in scores if s <= 6)
    return round(100 * (promoters - detractors) / len(scores), 1)


def csat_percent(ratings: list[int]) -> float | None:
    """Customer satisfaction: the share of 4 and 5 ratings (out of 5), in %."""
    if not ratings:
        return None
    return round(100 * sum(1 for r in ratings if r >= 4) / len(ratings), 1)


@dataclass
class QuestionResult:
    question: SurveyQuestion
    text: str
    answered: int
    counts: list[tuple[str, int]] = field(default_factory=list)  # (answer, how many)
    average: float | None = None
    nps: float | None = None
    csat: float | None = None
    texts: list[str] = field(default_factory=list)


def survey_results(survey: Survey) -> tuple[list[QuestionResult], int, int]:
    """Per question, its figures; with how many the survey went to and how many answered.
    Two queries."""
    questions = list(survey.questions.all())
    answered = list(
        survey.responses.filter(answered_at__isnull=False).values_list("answers", flat=True)
    )
    invited = survey.responses.count()
    results = []
    for question in questions:
        values = [a[str(question.pk)] for a in answered if str(question.pk) in a]
        result = QuestionResult(question=question, text=localised(question.text),
                                answered=len(values))  # fmt: skip
        numbers = [v for v in values if isinstance(v, int) and not isinstance(v, bool)]
        tally = Counter(values)
        if question.kind in (Q_KIND.RATING, Q_KIND.NPS):
            low = 1 if question.kind == Q_KIND.RATING else 0
            high = 5 if question.kind == Q_KIND.RATING else 10
            result.counts = [(str(n), tally.get(n, 0)) for n in range(low, high + 1)]
            result.average = round(sum(numbers) / len(numbers), 2) if numbers else None
            if question.kind == Q_KIND.NPS:
                result.nps = nps_score(numbers)
            else:
                result.csat = csat_percent(numbers)
        elif question.kind == Q_KIND.CHOICE:
            result.counts = [(localised(choice), tally.get(i, 0))
                             for i, choice in enumerate(question.choices)]  # fmt: skip
        elif question.kind == Q_KIND.YES_NO:
            result.counts = [(_("Yes"), tally.get(True, 0)), (_("No"), tally.get(False, 0))]
        else:
            result.texts = [str(v) for v in values]
        results.append(result)
    return results, invited, len(answered)


def survey_export_rows(survey: Survey) -> list[list[object]]:
    """One row per answered response: when, who (the client's id), then each question's answer
    as the client saw it. For rbac.spreadsheets.csv_response."""
    questions = list(survey.questions.all())
    rows: list[list[object]] = [["answered_at", "client", *[localised(q.text) for q in questions]]]
    responses = survey.responses.filter(answered_at__isnull=False).order_by("answered_at", "pk")
    for response in responses:
        cells: list[object] = [response.answered_at.isoformat(), response.client_id]
        for question in questions:
            value = response.answers.get(str(question.pk))
            if value is None:
                cells.append("")
            elif question.kind == Q_KIND.YES_NO:
                cells.append(_("Yes") if value else _("No"))
            elif question.kind == Q_KIND.CHOICE and isinstance(value, int):
                cells.append(localised(question.choices[value]) if value < len(question.choices)
                             else "")  # fmt: skip
            else:
                cells.append(value)
        rows.append(cells)
    return rows


# --- KPI figures -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RatingFigure:
    name: str
    reviews: int
    average: float | None
    low: int


def review_figures(*, staff: QuerySet[User], days: int) -> dict[str, list[RatingFigure]]:
    """Ratings of the reviews answered in the period: per member of staff who handled the
    finished thing (among `staff`), and per service or event. Two queries."""
    since = timezone.now() - dt.timedelta(days=days)
    rated = Review.objects.filter(answered_at__gte=since)
    figures = {"average": Avg("rating"), "n": Count("id"), "low": Count("id", filter=Q(
        rating__lte=LOW_RATING))}  # fmt: skip
    per_staff = (
        rated.filter(staff__in=staff)
        .values("staff_id", "staff__full_name", "staff__email")
        .annotate(**figures)
        .order_by("-n", "staff__email")
    )
    per_service = (
        rated.exclude(service="").values("service").annotate(**figures).order_by("-n", "service")
    )
    return {
        "staff": [RatingFigure(r["staff__full_name"] or r["staff__email"], r["n"],
                               _round(r["average"]), r["low"]) for r in per_staff],
        "services": [RatingFigure(r["service"], r["n"], _round(r["average"]), r["low"])
                     for r in per_service],
    }  # fmt: skip


def _round(value: float | None) -> float | None:
    return round(float(value), 2) if value is not None else None
