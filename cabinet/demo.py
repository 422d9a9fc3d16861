"""The demo tenants `make run` seeds: one per vertical, each with an owner and a client."""

from dataclasses import dataclass
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.db import connection
from django_tenants.utils import tenant_context

from cabinet.feedback import (
    question_add,
    review_ask,
    review_reply,
    review_submit,
    survey_answer,
    survey_create,
    survey_send,
)
from cabinet.memberships.demo import seed_demo_plans
from cabinet.models import (
    CatalogItem,
    ClientProfile,
    RequestType,
    Survey,
    SurveyQuestion,
    SurveyResponse,
)
from cabinet.services import branding_update
from cabinet.staff.work import request_create
from cabinet.verticals import vertical_hook
from cabinet.wallet import points_grant, wallet_top_up
from rbac.models import User
from rbac.services import client_create
from tenants.models import Tenant, TenantStatus, Vertical
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
    look: dict[str, str]  # colours and fonts, so the three demos look like three businesses


DEMO_PASSWORD_OWNER = "demo-owner-pass"  # noqa: S105  (printed for the visitor to use)
DEMO_PASSWORD_CLIENT = "demo-client-pass"  # noqa: S105
DEMO_ADMIN_EMAIL = "admin@kabinet.example.com"
DEMO_PASSWORD_ADMIN = "demo-admin-pass"  # noqa: S105

DEMO_TENANTS = (
    DemoTenant(
        slug="hotel", name="Seaside Resort Hotel", vertical=Vertical.HOTEL,
        tagline="Your stay, in your pocket.",
        welcome="Book excursions, order to your room and talk to reception in your language.",
        owner_email="owner@hotel.example.com", client_email="guest@hotel.example.com",
        client_name="Anna Guest",
        look={"primary_colour": "#0e5a5a", "accent_colour": "#e8b04a", "font": "elegant"},
    ),
    DemoTenant(
        slug="shop", name="Corner Bookshop", vertical=Vertical.SHOP,
        tagline="Orders, returns and points in one place.",
        welcome="Track your orders, reorder in one tap and spend your loyalty points.",
        owner_email="owner@shop.example.com", client_email="reader@shop.example.com",
        client_name="Boris Reader",
        look={"primary_colour": "#7b2d42", "accent_colour": "#d9a441", "font": "classic"},
    ),
    DemoTenant(
        slug="school", name="Northfield Music School", vertical=Vertical.SCHOOL,
        tagline="Lessons, homework and grades for families.",
        welcome="See the timetable, your child's homework and grades, and message teachers.",
        owner_email="owner@school.example.com", client_email="parent@school.example.com",
        client_name="Clara Parent",
        look={"primary_colour": "#2151a8", "accent_colour": "#ff7a59", "font": "friendly"},
    ),
)  # fmt: skip


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
        branding_update(tagline=demo.tagline, welcome_text=demo.welcome, **demo.look)
        client = client_create(
            email=demo.client_email,
            password=DEMO_PASSWORD_CLIENT,
            full_name=demo.client_name,
            email_verified=True,
        )
        profile = ClientProfile.objects.create(user=client, phone="+44 20 7946 0123")
        wallet_top_up(client=profile, amount=Decimal("150.00"), note="welcome credit")
        points_grant(client=profile, points=600, note="welcome points")
        demo_content = vertical_hook(demo.vertical, "demo")
        if demo_content is not None:
            owner = User.objects.get(email__iexact=demo.owner_email)
            demo_content(guest=profile, owner=owner, password=DEMO_PASSWORD_CLIENT)
        seed_feedback(guest=profile, owner=User.objects.get(email__iexact=demo.owner_email),
                      domain=demo.client_email.split("@")[1])  # fmt: skip
        seed_demo_plans(demo.vertical)
        first_type = RequestType.objects.order_by("pk").first()
        if first_type is not None:
            request_create(
                client=profile, type=first_type, title=f"{first_type.name}: first request"
            )
    return tenant


# Three more clients who rated something and answered the survey (email, name, rating, comment,
# the owner's answer); the demo client is asked too, so the home page shows the card.
DEMO_REVIEWERS = (
    ("marta", "Marta Visitor", 5, "Lovely people, and every answer came within minutes.",
     "Thank you, Marta: see you again soon!"),
    ("ivan", "Ivan Traveller", 2, "I waited forty minutes and nobody told me why.", ""),
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


def seed_platform_admin() -> bool:
    """A platform admin for the control panel (in `public`); False when one exists already."""
    connection.set_schema_to_public()
    if User.objects.filter(email__iexact=DEMO_ADMIN_EMAIL).exists():
        return False
    admin = User.objects.create_superuser(email=DEMO_ADMIN_EMAIL, password=DEMO_PASSWORD_ADMIN)
    EmailAddress.objects.create(user=admin, email=admin.email, primary=True, verified=True)
    return True
