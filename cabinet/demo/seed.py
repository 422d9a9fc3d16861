"""The demo tenants `make run` seeds: one per vertical, each with an owner, a client and a small
team whose last week of work is replayed through the services real use goes through (the chat's
message posting, the request form, the queue's take / answer / check / close), at the moments it
would have happened: the KPI page is filled from those flows, not from rows written for it."""

import datetime
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context

from cabinet.accounts.models import ClientProfile
from cabinet.branding.services import branding_update
from cabinet.catalog.models import CatalogItem
from cabinet.demo.pictures import demo_pictures_seed
from cabinet.feedback.models import Survey, SurveyQuestion, SurveyResponse
from cabinet.feedback.services import (
    question_add,
    review_ask,
    review_reply,
    review_submit,
    survey_answer,
    survey_create,
    survey_send,
)
from cabinet.memberships.demo import seed_demo_plans
from cabinet.messaging.chat import general_thread, message_post, thread_read
from cabinet.staff.selectors import current_assignment
from cabinet.staff.services import client_assign
from cabinet.staff.work import request_check, request_close, request_respond, request_take
from cabinet.verticals import loaded, vertical_named, verticals
from cabinet.wallet.services import points_grant, wallet_top_up
from cabinet.work.intake import client_request_submit, requestable_types
from cabinet.work.models import RequestType
from rbac.models import StaffProfile, User
from rbac.roles import role_set
from rbac.services import client_create, team_create, team_member_set
from tenants.models import Tenant, TenantStatus
from tenants.services import OwnerSpec, platform_domain_for, tenant_provision


@dataclass(frozen=True)
class DemoTenant:
    slug: str
    name: str
    vertical: str
    tagline: str
    welcome: str
    owner_email: str
    client_email: str
    client_name: str
    look: dict[str, str]  # colours and fonts, so the demos look like different businesses
    questions: tuple[tuple[str, str], ...] = ()  # what clients ask in the chat, and the answer
    # its recurring plan (cabinet.memberships.demo): name, description, price, interval
    plan: tuple[str, str, Decimal, str] | None = None
    # its pictures (cabinet.demo.pictures): the motif drawn as (size, primary, accent, seed) ->
    # image, and the emblem its logo carries, drawn as (draw, side, accent)
    motif: Callable | None = None
    emblem: Callable | None = None


DEMO_PASSWORD_OWNER = "demo-owner-pass"  # noqa: S105  (printed for the visitor to use)
DEMO_PASSWORD_CLIENT = "demo-client-pass"  # noqa: S105
DEMO_PASSWORD_STAFF = "demo-staff-pass"  # noqa: S105
# The demo's team: (local part, name, manages the team)
DEMO_STAFF = (("olga", "Olga Operator", False), ("ivan", "Ivan Operator", False),
              ("mila", "Mila Manager", True))  # fmt: skip
REPLAYED_DAYS = 6
DEMO_ADMIN_EMAIL = "admin@kabinet.example.com"
DEMO_PASSWORD_ADMIN = "demo-admin-pass"  # noqa: S105


def demo_tenants() -> list[DemoTenant]:
    """One demo cabinet per installed vertical that declares one (its `demo`)."""
    return [loaded(vertical.demo) for vertical in verticals() if vertical.demo]


def demo_url(demo: DemoTenant, port: str = "8000") -> str:
    return f"http://{platform_domain_for(demo.slug)}:{port}/"


def seed_demo_tenant(demo: DemoTenant) -> Tenant | None:
    """Create one demo tenant; None when it already exists (a re-run never overwrites)."""
    if Tenant.objects.filter(slug=demo.slug).exists():
        return None
    tenant = tenant_provision(
        slug=demo.slug,
        name=demo.name,
        vertical=demo.vertical,
        owner=OwnerSpec(
            email=demo.owner_email,
            password=DEMO_PASSWORD_OWNER,
            full_name="Owner",
            email_verified=True,
        ),
        status=TenantStatus.ACTIVE,
    )
    with tenant_context(tenant):
        branding = branding_update(tagline=demo.tagline, welcome_text=demo.welcome, **demo.look)
        client = client_create(
            email=demo.client_email,
            password=DEMO_PASSWORD_CLIENT,
            full_name=demo.client_name,
            email_verified=True,
        )
        profile = ClientProfile.objects.create(user=client, phone="+44 20 7946 0123")
        wallet_top_up(client=profile, amount=Decimal("150.00"), note="welcome credit")
        points_grant(client=profile, points=600, note="welcome points")
        vertical = vertical_named(demo.vertical)
        demo_content = loaded(vertical.demo_seed) if vertical else None
        if demo_content is not None:
            owner = User.objects.get(email__iexact=demo.owner_email)
            demo_content(guest=profile, owner=owner, password=DEMO_PASSWORD_CLIENT)
        seed_feedback(guest=profile, owner=User.objects.get(email__iexact=demo.owner_email),
                      domain=demo.client_email.split("@")[1])  # fmt: skip
        seed_demo_plans(demo.vertical)
        owner = User.objects.get(email__iexact=demo.owner_email)
        demo_activity_replay(demo=demo, owner=owner)
        demo_pictures_seed(vertical=demo.vertical, branding=branding)  # all its content has some
    return tenant


# Three more clients who rated something and answered the survey (email, name, rating, comment,
# the owner's answer); the demo client is asked too, so the home page shows the card.
DEMO_REVIEWERS = (
    ("marta", "Marta Visitor", 5, "Lovely people, and every answer came within minutes.",
     "Thank you, Marta: see you again soon!"),
    ("igor", "Igor Traveller", 2, "I waited forty minutes and nobody told me why.", ""),
    ("lena", "Lena Regular", 4, "", ""),
)  # fmt: skip


def seed_feedback(*, guest: ClientProfile, owner: User, domain: str) -> None:
    """A few reviews (one low, so the queue has its work item; one answered) and one NPS survey
    with answers, all through the services a real cabinet uses."""
    services = list(CatalogItem.objects.order_by("pk").values_list("name", flat=True)[:3])
    services = services or ["Our service"]
    survey = survey_create(
        kind=Survey.Kind.NPS, title={"en": "How are we doing?", "ru": "Как мы работаем?"},
        intro={"en": "Three questions, one minute.", "ru": "Три вопроса, одна минута."},
        audience=Survey.Audience.EVERYONE, by=owner,
    )  # fmt: skip
    reason = question_add(
        survey=survey, kind=SurveyQuestion.Kind.CHOICE,
        text={"en": "What did you come for?", "ru": "Зачем вы к нам пришли?"},
        choices=[{"en": "Rest", "ru": "Отдохнуть"}, {"en": "Work", "ru": "По работе"},
                 {"en": "A gift", "ru": "За подарком"}],
        required=True, by=owner,
    )  # fmt: skip
    question_add(survey=survey, kind=SurveyQuestion.Kind.TEXT,
                 text={"en": "What should we do better?", "ru": "Что нам сделать лучше?"},
                 choices=[], required=False, by=owner)  # fmt: skip
    people = []
    for n, (slug, name, rating, comment, answer) in enumerate(DEMO_REVIEWERS):
        user = client_create(email=f"{slug}@{domain}", password=DEMO_PASSWORD_CLIENT,
                             full_name=name, email_verified=True)  # fmt: skip
        client = ClientProfile.objects.create(user=user)
        people.append((client, rating))
        service = services[n % len(services)]
        review = review_ask(client=client, subject=f"demo:{slug}", title=service, service=service,
                            staff=owner)  # fmt: skip
        if review is not None:
            review = review_submit(review=review, rating=rating, comment=comment)
            if answer:
                review_reply(review=review, text=answer, by=owner)
    if not guest.reviews.exists():  # a vertical's finished stay or order may have asked already
        review_ask(client=guest, subject="demo:guest", title=services[0], service=services[0])
    survey_send(survey=survey, by=owner)
    nps = survey.questions.order_by("position", "pk").first()
    for n, (client, rating) in enumerate(people):
        response = SurveyResponse.objects.get(survey=survey, client=client)
        survey_answer(response=response, data={
            f"q{nps.pk}": str(min(10, rating * 2)), f"q{reason.pk}": str(n % 3),
        })  # fmt: skip


@contextmanager
def replayed_at(when: datetime.datetime) -> Iterator[None]:
    """Run the services as if it were `when`: every timestamp they take is that moment."""
    import time_machine  # only the demo seed travels in time

    with time_machine.travel(when, tick=False):
        yield


def _demo_team(demo: DemoTenant, owner: User) -> list[User]:
    """The demo's staff, in one team with its manager (set up as the owner would)."""
    team = team_create(name="Front desk", by=owner)
    people = []
    for local, name, manages in DEMO_STAFF:
        person = User(email=f"{local}@{demo.slug}.example.com", full_name=name, is_staff=True)
        person.set_password(DEMO_PASSWORD_STAFF)
        person.save()
        EmailAddress.objects.create(user=person, email=person.email, primary=True, verified=True)
        role_set(user=person, role=StaffProfile.Role.OPERATOR)
        team_member_set(member=person, team=team, manager=manages, by=owner)
        people.append(person)
    return people


def _at(day: datetime.date, hour: int, minute: int) -> datetime.datetime:
    local = datetime.datetime.combine(day, datetime.time(hour % 24, minute % 60))
    return timezone.make_aware(local)


def demo_activity_replay(*, demo: DemoTenant, owner: User) -> None:
    """The team's last days: clients write and the person assigned to them answers; clients
    send the owner's request form and staff take it, answer, tick its steps and close it; today
    a few things still wait. Everything through the services, at replayed moments."""
    olga, ivan, _mila = _demo_team(demo, owner)
    clients = list(ClientProfile.objects.select_related("user").order_by("pk"))
    if not clients:
        return
    for i, client in enumerate(clients):
        if current_assignment(client) is None:
            client_assign(client=client, staff=(olga, ivan)[i % 2], by=owner)
    today = timezone.localdate()
    questions = demo.questions or (("Hello, can you help me?", "Of course: what do you need?"),)
    for days_ago in range(REPLAYED_DAYS, 0, -1):
        day = today - datetime.timedelta(days=days_ago)
        for k in range(2):
            client = clients[(days_ago * 2 + k) % len(clients)]
            question, answer = questions[(days_ago + k) % len(questions)]
            asked = _at(day, 9 + 4 * k, (days_ago * 13) % 60)
            thread = general_thread(client)
            with replayed_at(asked):
                message_post(thread=thread, author=client.user, body=question)
            responder = current_assignment(client).staff
            minutes = 3 + (days_ago * 7 + k * 11) % 40  # a few minutes to most of an hour
            with replayed_at(asked + datetime.timedelta(minutes=minutes)):
                thread_read(thread=thread, by_staff=True)  # opening the conversation reads it
                message_post(thread=thread, author=responder, body=answer)
    _replay_forms(clients=clients, staff=(olga, ivan), today=today)
    # Today: a question nobody has answered yet, waiting on its person's home and badge.
    latest = clients[0]
    with replayed_at(timezone.now() - datetime.timedelta(minutes=12)):
        message_post(thread=general_thread(latest), author=latest.user, body=questions[0][0])


def _replay_forms(*, clients: list[ClientProfile], staff: tuple[User, User],
                  today: datetime.date) -> None:  # fmt: skip
    """Requests through the owner's form (the first type of the cabinet made requestable, as
    the owner would on its page), handled step by step; yesterday's still on its holder's desk
    and today's waiting for someone to take it."""
    kind = requestable_types().first() or RequestType.objects.order_by("pk").first()
    if kind is None:
        return
    if not kind.client_requestable:
        RequestType.objects.filter(pk=kind.pk).update(client_requestable=True)
        kind.client_requestable = True
    for days_ago in (5, 3, 2, 1, 0):
        client = clients[days_ago % len(clients)]
        holder = staff[days_ago % 2]
        sent = _at(today - datetime.timedelta(days=days_ago), 10 + days_ago, 5 * days_ago)
        if days_ago == 0:
            sent = timezone.now() - datetime.timedelta(minutes=25)
        with replayed_at(sent):
            key = f"demo-form-{days_ago}-{client.pk:08d}"
            work = client_request_submit(client=client, type=kind, details="", submission_key=key)
        if days_ago == 0:
            continue  # still waiting for someone to take it
        step = datetime.timedelta(minutes=6 + days_ago * 4)
        with replayed_at(sent + step):
            work = request_take(work=work, staff=holder)
        with replayed_at(sent + 2 * step):
            work = request_respond(work=work, staff=holder)
        for n in range(len(kind.checklist)):
            with replayed_at(sent + (3 + n) * step):
                work = request_check(work=work, staff=holder, step=n)
            if days_ago == 1:
                break  # yesterday's is still on its holder's desk, one step done
        if days_ago == 1:
            continue
        # one of them overran its deadline: the KPIs show where processes slow down
        late = datetime.timedelta(minutes=kind.sla_minutes + 20) if days_ago == 3 else step
        with replayed_at(sent + (3 + len(kind.checklist)) * step + late):
            spent = int(((3 + len(kind.checklist)) * step + late).total_seconds() // 60)
            request_close(work=work, staff=holder, spent_minutes=min(spent, 24 * 60))


def seed_platform_admin() -> bool:
    """A platform admin for the control panel (in `public`); False when one exists already."""
    connection.set_schema_to_public()
    if User.objects.filter(email__iexact=DEMO_ADMIN_EMAIL).exists():
        return False
    admin = User.objects.create_superuser(email=DEMO_ADMIN_EMAIL, password=DEMO_PASSWORD_ADMIN)
    EmailAddress.objects.create(user=admin, email=admin.email, primary=True, verified=True)
    return True
