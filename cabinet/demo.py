"""The demo tenants `make run` seeds: one per vertical, each with an owner and a client."""

from dataclasses import dataclass
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.db import connection
from django_tenants.utils import tenant_context

from cabinet.demo_pictures import demo_pictures_seed
from cabinet.models import ClientProfile, RequestType
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
        look={"primary_colour": "#7b2d42", "accent_colour": "#d9a441", "font": "modern"},
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
        demo_content = vertical_hook(demo.vertical, "demo")
        if demo_content is not None:
            owner = User.objects.get(email__iexact=demo.owner_email)
            demo_content(guest=profile, owner=owner, password=DEMO_PASSWORD_CLIENT)
        demo_pictures_seed(vertical=demo.vertical, branding=branding)  # all its content has some
        first_type = RequestType.objects.order_by("pk").first()
        if first_type is not None:
            request_create(
                client=profile, type=first_type, title=f"{first_type.name}: first request"
            )
    return tenant


def seed_platform_admin() -> bool:
    """A platform admin for the control panel (in `public`); False when one exists already."""
    connection.set_schema_to_public()
    if User.objects.filter(email__iexact=DEMO_ADMIN_EMAIL).exists():
        return False
    admin = User.objects.create_superuser(email=DEMO_ADMIN_EMAIL, password=DEMO_PASSWORD_ADMIN)
    EmailAddress.objects.create(user=admin, email=admin.email, primary=True, verified=True)
    return True
