"""Reviews and the owner's surveys, their questions and answers."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cabinet.accounts.models import ClientProfile
from cabinet.wallet.models import Club, Tier

# --- Reviews and surveys (cabinet.feedback.services) ------------------------------------------


class Review(models.Model):
    """The client's rating (1–5) and comment on one finished thing: a stay, an order, an event.
    Asked once per thing (its `subject`); answered once; staff may reply, and the client sees it."""

    client = models.ForeignKey(ClientProfile, on_delete=models.CASCADE, related_name="reviews")
    # what was finished ("order:7", "stay:3", "booking:12"): one ask per subject, ever
    subject = models.CharField(max_length=40, unique=True)
    title = models.CharField(_("about"), max_length=200)  # as the client sees it: "Order #7"
    service = models.CharField(_("service"), max_length=120, blank=True)  # for the KPI figures
    # who handled the order or the stay (their KPI figures), when someone did
    staff = models.ForeignKey("rbac.User", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="reviews_handled")  # fmt: skip
    url = models.CharField(max_length=300, blank=True)  # the finished thing's page
    asked_at = models.DateTimeField(default=timezone.now, db_index=True)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    comment = models.TextField(_("comment"), max_length=2000, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True, db_index=True)
    reply = models.TextField(_("our answer"), max_length=2000, blank=True)
    replied_by = models.ForeignKey("rbac.User", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="review_replies")  # fmt: skip
    replied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-asked_at", "-id")
        permissions = [("answer_reviews", "Can answer client reviews")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="review_rating_1_to_5",
            ),
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True, answered_at__isnull=True)
                | models.Q(rating__isnull=False, answered_at__isnull=False),
                name="review_rated_when_answered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject}: {self.rating}"


class Survey(models.Model):
    """An owner's survey (NPS or CSAT) with its questions, sent once to a group of clients.
    Texts are per language ({"en": …, "ru": …}); the cabinet's default language is the fallback."""

    class Kind(models.TextChoices):
        NPS = "nps", _("NPS: would they recommend us")
        CSAT = "csat", _("CSAT: how satisfied they are")

    class Audience(models.TextChoices):
        EVERYONE = "everyone", _("Every client")
        LAST_WEEK = "last_week", _("Clients served in the last 7 days")
        LAST_MONTH = "last_month", _("Clients served in the last 30 days")
        TIER = "tier", _("A loyalty level")
        CLUB = "club", _("A club's members")

    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.NPS)
    title = models.JSONField(_("title"), default=dict)  # {language: text}
    intro = models.JSONField(_("introduction"), default=dict, blank=True)
    audience = models.CharField(_("send to"), max_length=12, choices=Audience.choices,
                                default=Audience.EVERYONE)  # fmt: skip
    tier = models.ForeignKey(Tier, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")  # fmt: skip
    club = models.ForeignKey(Club, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")  # fmt: skip
    created_by = models.ForeignKey("rbac.User", null=True, on_delete=models.SET_NULL,
                                   related_name="surveys_made")  # fmt: skip
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        permissions = [("manage_surveys", "Can design and send surveys and see their results")]

    def __str__(self) -> str:
        return str(self.title.get("en") or next(iter(self.title.values()), ""))


class SurveyQuestion(models.Model):
    class Kind(models.TextChoices):
        RATING = "rating", _("Rating from 1 to 5")
        NPS = "nps", _("Score from 0 to 10 (NPS)")
        CHOICE = "choice", _("One of several answers")
        TEXT = "text", _("Free text")
        YES_NO = "yes_no", _("Yes or no")

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(_("answered by"), max_length=8, choices=Kind.choices)
    text = models.JSONField(_("question"), default=dict)  # {language: text}
    # [{language: text}, …]; an answer is the chosen one's position
    choices = models.JSONField(_("answers to choose from"), default=list, blank=True)
    required = models.BooleanField(_("an answer is required"), default=True)

    class Meta:
        ordering = ("position", "id")

    def __str__(self) -> str:
        return str(self.text.get("en") or next(iter(self.text.values()), ""))


class SurveyResponse(models.Model):
    """One client's place in a survey: made when it is sent to them, answered once."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    client = models.ForeignKey(ClientProfile, on_delete=models.CASCADE,
                               related_name="survey_responses")  # fmt: skip
    invited_at = models.DateTimeField(default=timezone.now)
    answers = models.JSONField(default=dict, blank=True)  # {question id: value}
    answered_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ("-invited_at", "-id")
        constraints = [
            models.UniqueConstraint(fields=["survey", "client"], name="one_response_per_client")
        ]

    def __str__(self) -> str:
        return f"{self.survey_id} / {self.client_id}"
