"""Issue 9's walk-throughs, one per vertical, on a phone in Chromium: a hotel guest checks in
online and orders an extra for the stay; a shop customer returns an item; a parent sees their
child's grade and homework. Each page must fit 375 px; screenshots in test-artifacts/e2e/."""

import datetime as dt
import uuid

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context
from PIL import Image

from cabinet.accounts.models import ClientProfile
from cabinet.catalog.models import CatalogItem
from cabinet.checkout.placing import order_place
from cabinet.orders.models import Order
from rbac.models import User
from rbac.services import client_create
from tests.conftest import committed_tenant_for, host_of
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e
PASSWORD = "a walk through the cabinet"


def sign_in(page, base: str, email: str) -> None:
    page.goto(base + "/accounts/login/")
    page.get_by_label("Email or phone").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()


def fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 375, page.url


def client(email: str, name: str) -> ClientProfile:
    user = client_create(email=email, password=PASSWORD, full_name=name, email_verified=True)
    return ClientProfile.objects.create(user=user)


@pytest.fixture
def vertical_tenant(request, django_db_blocker):
    with committed_tenant_for(django_db_blocker, request.param) as tenant:
        yield tenant


@pytest.mark.parametrize("vertical_tenant", ["hotel"], indirect=True)
def test_a_hotel_guest_checks_in_online_and_orders_an_extra(
    vertical_tenant, django_db_blocker, live_port, phone, eager_tasks, tmp_path
):
    from cabinet.hotel.services import stay_create

    with django_db_blocker.unblock(), tenant_context(vertical_tenant):
        guest = client("nora@guest.example.com", "Nora Guest")
        today = timezone.localdate()
        stay_create(
            client=guest,
            arrival=today + dt.timedelta(days=2),
            departure=today + dt.timedelta(days=5),
            adults=2,
            by=User.objects.get(email=vertical_tenant.owner_email),
        )
    photo = tmp_path / "passport.jpg"
    Image.new("RGB", (400, 260), "navy").save(photo, format="JPEG")
    base = f"http://{host_of(vertical_tenant)}:{live_port}"

    sign_in(phone, base, "nora@guest.example.com")
    phone.get_by_role("navigation", name="Cabinet").get_by_role("link", name="My stay").click()
    fits(phone)
    screenshot(phone, "hotel-1-stay")
    phone.get_by_role("link", name="Check in online").click()
    phone.get_by_label("Full name as in the document").fill("Nora Anna Guest")
    phone.get_by_label("Birth date").fill("1988-06-02")
    phone.get_by_label("Citizenship").fill("Norway")
    phone.get_by_label("Passport or ID number").fill("NO 9988776")
    phone.get_by_label("Photo or scan of the document").set_input_files(str(photo))
    phone.get_by_label("When will you arrive?").fill("16:45")
    fits(phone)
    screenshot(phone, "hotel-2-check-in")
    phone.get_by_role("button", name="Send my check-in").click()
    assert "You are checked in" in phone.locator(".flash").inner_text()
    assert "We expect you at 16:45" in phone.content()
    screenshot(phone, "hotel-3-checked-in")
    parking = phone.locator("form.extra-row", has_text="Parking")
    assert "€36.00" in parking.inner_text()  # 12.00 a night, three nights
    parking.get_by_role("button", name="Add").click()
    phone.get_by_role("button", name="Confirm and pay €36.00").click()
    fits(phone)
    screenshot(phone, "hotel-4-extra-ordered")
    # on a phone the rest of the menu is a sheet behind the tab bar's More
    phone.locator(".tabbar").get_by_text("More", exact=True).click()
    phone.get_by_role("link", name="Map").click()
    fits(phone)
    screenshot(phone, "hotel-5-map")
    with django_db_blocker.unblock(), tenant_context(vertical_tenant):
        order = Order.objects.get(client=guest)
        assert order.items.get().name == "Parking"
        assert guest.stays.get().status == "online"


@pytest.mark.parametrize("vertical_tenant", ["shop"], indirect=True)
def test_a_shop_customer_returns_an_item(vertical_tenant, django_db_blocker, live_port, phone):
    from cabinet.shop.models import Shipment
    from cabinet.shop.services import address_save, shipment_update

    with django_db_blocker.unblock(), tenant_context(vertical_tenant):
        reader = client("ben@reader.example.com", "Ben Reader")
        address_save(
            client=reader,
            data={
                "label": "Home",
                "recipient": "Ben Reader",
                "line1": "1 Elm St",
                "city": "Riverton",
                "postcode": "RV1 2AB",
                "country": "UK",
            },
        )
        notebook = CatalogItem.objects.get(name="Notebook, A5")
        order = order_place(
            client=reader,
            wanted={notebook.pk: 2},
            payment="on_site",
            submission_key=uuid.uuid4().hex,
        )
        owner = User.objects.get(email=vertical_tenant.owner_email)
        shipment_update(
            shipment=Shipment.objects.get(order=order),
            status="delivered",
            carrier="City Post",
            tracking_number="CP555001GB",
            by=owner,
        )
    base = f"http://{host_of(vertical_tenant)}:{live_port}"

    sign_in(phone, base, "ben@reader.example.com")
    phone.goto(f"{base}/orders/{order.pk}/")
    assert "CP555001GB" in phone.content()
    fits(phone)
    screenshot(phone, "shop-1-delivered-order")
    phone.get_by_role("link", name="Return items").click()
    phone.get_by_label("Quantity of Notebook, A5").fill("1")
    phone.get_by_label("Why do you return it?").select_option("damaged")
    phone.get_by_label("Anything we should know").fill("The cover is torn.")
    fits(phone)
    screenshot(phone, "shop-2-return-form")
    phone.get_by_role("button", name="Request the return").click()
    assert "Your return is requested" in phone.locator(".flash").inner_text()
    assert "Requested" in phone.content()
    fits(phone)
    screenshot(phone, "shop-3-returns")


@pytest.mark.parametrize("vertical_tenant", ["school"], indirect=True)
def test_a_parent_sees_their_childs_grade_and_homework(
    vertical_tenant, django_db_blocker, live_port, phone
):
    from cabinet.school.models import SchoolClass
    from cabinet.school.services import enrol, grade_give, homework_add, student_create

    with django_db_blocker.unblock(), tenant_context(vertical_tenant):
        client("clara@family.example.com", "Clara Parent")
        owner = User.objects.get(email=vertical_tenant.owner_email)
        piano = SchoolClass.objects.get(name="Piano, grade 2")
        SchoolClass.objects.filter(pk=piano.pk).update(teacher=owner)
        piano.refresh_from_db()
        sofia = student_create(full_name="Sofia Parent", birth_date=None, by=owner)
        enrol(student=sofia, school_class=piano, by=owner)
        grade_give(
            school_class=piano,
            student=sofia,
            title="Scales in C major",
            value=9,
            comment="Even tempo",
            by=owner,
        )
        homework_add(
            school_class=piano,
            title="Minuet, bars 1-16",
            description="Slowly",
            due_date=timezone.localdate() + dt.timedelta(days=2),
            by=owner,
        )
    base = f"http://{host_of(vertical_tenant)}:{live_port}"

    sign_in(phone, base, "clara@family.example.com")
    phone.get_by_role("link", name="My children").click()
    phone.get_by_label("Pairing code from the school").fill(sofia.pairing_code.lower())
    fits(phone)
    screenshot(phone, "school-1-pairing")
    phone.get_by_role("button", name="Link").click()
    assert "Sofia Parent is linked" in phone.locator(".flash").inner_text()
    assert "Scales in C major" in phone.content()
    assert "Minuet, bars 1-16" in phone.content()
    fits(phone)
    screenshot(phone, "school-2-child")


@pytest.mark.parametrize("vertical_tenant", ["school"], indirect=True)
def test_a_teacher_takes_attendance_gives_a_grade_and_sets_homework_on_a_phone(
    vertical_tenant, django_db_blocker, live_port, phone
):
    from cabinet.school.models import Attendance, Grade, Homework, SchoolClass
    from cabinet.school.services import enrol, student_create
    from rbac.models import StaffProfile
    from rbac.roles import role_set

    # given: Elena teaches piano to Sofia and Lev
    with django_db_blocker.unblock(), tenant_context(vertical_tenant):
        owner = User.objects.get(email=vertical_tenant.owner_email)
        teacher = client_create(email="elena@school.example.com", password=PASSWORD,
                                full_name="Elena Teacher", email_verified=True)  # fmt: skip
        teacher.is_staff = True
        teacher.save(update_fields=["is_staff"])
        role_set(user=teacher, role=StaffProfile.Role.OPERATOR)
        piano = SchoolClass.objects.get(name="Piano, grade 2")
        SchoolClass.objects.filter(pk=piano.pk).update(teacher=teacher)
        for name in ("Sofia Keys", "Lev Keys"):
            enrol(student=student_create(full_name=name, birth_date=None, by=owner),
                  school_class=piano, by=owner)  # fmt: skip
    base = f"http://{host_of(vertical_tenant)}:{live_port}"

    # when: she opens her class on her phone and uses its three forms
    sign_in(phone, base, "elena@school.example.com")
    phone.goto(base + "/staff/classes/")
    phone.get_by_role("link", name="Piano, grade 2").first.click()
    fits(phone)
    screenshot(phone, "school-3-teacher-class")
    phone.get_by_label("Sofia Keys").select_option("present")
    phone.get_by_label("Lev Keys").select_option("absent")
    phone.get_by_role("button", name="Save attendance").click()
    assert "Attendance is saved" in phone.locator(".flash").inner_text()
    grade_form = phone.locator("form", has=phone.get_by_role("button", name="Give the grade"))
    grade_form.get_by_label("Student").select_option(label="Sofia Keys")
    grade_form.get_by_label("For what").fill("Scales in G")
    grade_form.get_by_label("Grade (1–10)").fill("8")
    grade_form.get_by_role("button", name="Give the grade").click()
    assert "The grade is given" in phone.locator(".flash").inner_text()
    homework_form = phone.locator("form", has=phone.get_by_role("button", name="Set the homework"))
    homework_form.get_by_label("Title").fill("Minuet, bars 17-32")
    due = timezone.localdate() + dt.timedelta(days=3)
    homework_form.get_by_label("Due").fill(due.isoformat())
    homework_form.get_by_role("button", name="Set the homework").click()
    assert "The homework is set" in phone.locator(".flash").inner_text()
    fits(phone)
    screenshot(phone, "school-4-teacher-after")

    # then: what the API's integrations read is what she wrote
    with django_db_blocker.unblock(), tenant_context(vertical_tenant):
        marks = dict(Attendance.objects.filter(school_class=piano)
                     .values_list("student__full_name", "status"))  # fmt: skip
        assert marks == {"Sofia Keys": "present", "Lev Keys": "absent"}
        assert Grade.objects.get(school_class=piano).given_by == teacher
        assert Homework.objects.get(school_class=piano).title == "Minuet, bars 17-32"
