"""Reviews and surveys: the client is asked once after a stay, an order or an event (in the app
and on their channel, by a link that names the cabinet); rates once; a low rating opens one work
item; staff answer and the client sees it. The owner's surveys go to a group once, take one
answer per client with required questions checked in the client's language, and their NPS and
CSAT are computed right."""

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from cabinet.accounts.models import ClientProfile
from cabinet.bookings.models import Event
from cabinet.bookings.services import booking_create
from cabinet.branding.services import branding_update
from cabinet.catalog.models import CatalogCategory, CatalogItem
from cabinet.checkout.placing import order_place
from cabinet.feedback.models import Review, Survey, SurveyResponse
from cabinet.feedback.services import (
    csat_percent,
    nps_score,
    question_add,
    review_ask,
    review_figures,
    review_from_token,
    review_link,
    review_reply,
    review_submit,
    reviews_ask_after_events,
    survey_announce,
    survey_create,
    survey_link,
    survey_send,
)
from cabinet.hotel.services import stay_create, stay_set_status
from cabinet.notifications.models import Notification
from cabinet.orders.services import order_set_status
from cabinet.wallet.models import Club
from cabinet.wallet.services import wallet_top_up
from cabinet.work.models import WorkRequest
from rbac.account import personal_data_sections
from rbac.models import StaffProfile, User
from rbac.roles import role_set
from tests.factories import UserFactory


def as_(tenant, user: User | None = None) -> Client:
    browser = Client(HTTP_HOST=f"{tenant.slug}.localhost")
    if user is not None:
        with tenant_context(tenant):
            browser.force_login(user)
    return browser


def a_client(**user_fields) -> ClientProfile:
    return ClientProfile.objects.create(user=UserFactory(**user_fields))


def owner_of(tenant) -> User:
    with tenant_context(tenant):
        return User.objects.get(email=f"owner@{tenant.slug}.example.com")


# --- Asked once, by the real completion events --------------------------------------------------


def test_a_finished_order_asks_its_client_once_in_the_app_and_by_email(shop):
    with tenant_context(shop):
        # given a client's order, taken and finished by a member of staff
        owner = owner_of(shop)
        client = a_client()
        wallet_top_up(client=client, amount=Decimal("100.00"))
        category = CatalogCategory.objects.create(name="Extras")
        item = CatalogItem.objects.create(
            category=category, name="Gift wrap", price=Decimal("3.00")
        )
        order = order_place(client=client, wanted={item.pk: 1}, payment="balance",
                            submission_key="fb-order-1")  # fmt: skip
        order_set_status(order=order, to="accepted", by=owner)
        # when it is done
        order_set_status(order=order, to="done", by=owner)
        # then one review is asked, about this order, tied to the service and the person
        review = Review.objects.get(subject=f"order:{order.pk}")
        assert (review.client, review.service, review.staff) == (client, "Gift wrap", owner)
        note = Notification.objects.get(user=client.user, event="feedback")
        assert note.url.startswith("/feedback/review/")
        assert review_from_token(note.url.split("/")[-2]) == review
        assert set(note.deliveries.values_list("channel", flat=True)) == {"email"}
        # and asking again about the same order asks nothing
        assert review_ask(client=client, subject=f"order:{order.pk}", title="again") is None
        assert Review.objects.filter(client=client).count() == 1
        assert Notification.objects.filter(user=client.user, event="feedback").count() == 1


def test_a_stay_checking_out_asks_the_guest_once(hotel):
    with tenant_context(hotel):
        owner = owner_of(hotel)
        guest = a_client()
        today = timezone.localdate()
        stay = stay_create(client=guest, arrival=today, departure=today + dt.timedelta(days=2),
                           room_type="Sea view double", by=owner)  # fmt: skip
        stay_set_status(stay=stay, to="in_house", by=owner)
        assert not Review.objects.filter(client=guest).exists()
        stay_set_status(stay=stay, to="departed", by=owner)
        review = Review.objects.get(client=guest)
        assert (review.subject, review.service, review.staff) == (
            f"stay:{stay.pk}", "Sea view double", owner,
        )  # fmt: skip


def test_the_periodic_task_asks_about_ended_events_once(hotel):
    with tenant_context(hotel):
        # given a client booked on an event that has just ended, and one on an event to come
        now = timezone.now()
        went = a_client()
        later = a_client()
        ended = Event.objects.create(
            title="Wine tasting", starts_at=now + dt.timedelta(hours=3),
            ends_at=now + dt.timedelta(hours=5), cutoff_minutes=0,
        )  # fmt: skip
        coming = Event.objects.create(title="Boat trip", starts_at=now + dt.timedelta(days=2),
                                      ends_at=now + dt.timedelta(days=2, hours=3))  # fmt: skip
        booking = booking_create(event=ended, client=went)
        booking_create(event=coming, client=later)
        Event.objects.filter(pk=ended.pk).update(
            starts_at=now - dt.timedelta(hours=3), ends_at=now - dt.timedelta(hours=1)
        )
        # when the task runs, and runs again
        first = reviews_ask_after_events()
        second = reviews_ask_after_events()
        # then the one who went was asked once, about that event; the other was not
        assert (first, second) == (1, 0)
        review = Review.objects.get(subject=f"booking:{booking.pk}")
        assert (review.client, review.service) == (went, "Wine tasting")
        assert not Review.objects.filter(client=later).exists()


# --- Rating through the signed link -------------------------------------------------------------


def test_the_client_rates_once_and_a_bad_rating_is_refused_in_their_language(hotel):
    with tenant_context(hotel):
        guest = a_client(language="ru")
        review = review_ask(client=guest, subject="fb:rate-once", title="Ужин", service="Dinner")
        link = review_link(review)
    browser = as_(hotel)  # from the email: not signed in
    assert browser.get(link).status_code == 200
    # a rating out of range: a clear 400 in Russian, nothing saved
    refused = browser.post(link, {"rating": "9", "comment": "?"}, HTTP_ACCEPT_LANGUAGE="ru")
    assert refused.status_code == 400
    assert "от 1 до 5" in refused.content.decode()
    with tenant_context(hotel):
        assert Review.objects.get(pk=review.pk).answered_at is None
    # the rating is taken, once
    assert browser.post(link, {"rating": "4", "comment": "Вкусно"}).status_code == 303
    browser.post(link, {"rating": "1", "comment": "changed my mind"})
    with tenant_context(hotel):
        review.refresh_from_db()
        assert (review.rating, review.comment) == (4, "Вкусно")
        with pytest.raises(ValidationError):
            review_submit(review=review, rating=1, comment="")


def test_a_review_link_from_one_cabinet_opens_nothing_in_another(hotel, shop):
    # given reviews with the same primary key in two cabinets
    with tenant_context(hotel):
        hotel_review = Review.objects.create(pk=987_654, client=a_client(), subject="fb:collide",
                                             title="Hotel dinner")  # fmt: skip
        hotel_link = review_link(hotel_review)
    with tenant_context(shop):
        Review.objects.create(pk=987_654, client=a_client(), subject="fb:collide", title="Book")
    # then the hotel's link opens the hotel's review, and nothing in the shop
    assert as_(hotel).get(hotel_link).status_code == 200
    assert as_(shop).get(hotel_link).status_code == 404
    assert as_(shop).post(hotel_link, {"rating": "1"}).status_code == 404
    with tenant_context(shop):
        assert Review.objects.get(pk=987_654).answered_at is None


def test_another_signed_in_person_cannot_use_a_clients_link(hotel):
    with tenant_context(hotel):
        review = review_ask(client=a_client(), subject="fb:other", title="Spa")
        link = review_link(review)
        other = a_client().user
    assert as_(hotel, other).get(link).status_code == 404


# --- Low ratings, staff answers ----------------------------------------------------------------


def test_a_low_rating_opens_one_work_item_and_the_answer_closes_it(hotel):
    with tenant_context(hotel):
        owner = owner_of(hotel)
        guest = a_client()
        review = review_ask(client=guest, subject="fb:low", title="Room cleaning")
        # when the guest rates it 2
        review = review_submit(review=review, rating=2, comment="Towels not changed")
        # then one work item, of the review kind, with the comment
        work = WorkRequest.objects.get(source=f"review:{review.pk}")
        assert work.type.code == "review"
        assert work.details == "Towels not changed"
        # when staff answer it (twice), the item is closed and no second one appears
        review_reply(review=review, text="We are sorry: fixed today.", by=owner)
        review_reply(review=review, text="We are sorry: fixed today, and a gift.", by=owner)
        assert WorkRequest.objects.filter(source=f"review:{review.pk}").count() == 1
        work.refresh_from_db()
        assert work.status == WorkRequest.Status.DONE
        assert (
            Notification.objects.filter(user=guest.user, dedupe_key__endswith=":reply").count() == 1
        )
    # and the guest sees the answer on their page
    page = as_(hotel, guest.user).get("/feedback/")
    assert "fixed today, and a gift" in page.content.decode()


def test_a_good_rating_opens_no_work_item(hotel):
    with tenant_context(hotel):
        review = review_ask(client=a_client(), subject="fb:good", title="Breakfast")
        review_submit(review=review, rating=3, comment="")
        assert not WorkRequest.objects.filter(source=f"review:{review.pk}").exists()


def test_staff_answer_reviews_by_permission_and_only_of_clients_they_see(hotel):
    with tenant_context(hotel):
        viewer = UserFactory(is_staff=True)
        role_set(user=viewer, role=StaffProfile.Role.VIEWER)
        operator = UserFactory(is_staff=True)
        role_set(user=operator, role=StaffProfile.Role.OPERATOR)
        review = review_ask(client=a_client(), subject="fb:staff", title="Pool")
        review_submit(review=review, rating=5, comment="Lovely")
        client_user = a_client().user
    # a viewer has no such permission; a client is not staff
    assert as_(hotel, viewer).get("/staff/reviews/").status_code == 403
    assert as_(hotel, client_user).get("/staff/reviews/").status_code == 403
    # an operator who may answer sees only the clients assigned to them: not this one
    assert as_(hotel, operator).get("/staff/reviews/").status_code == 200
    answer = as_(hotel, operator).post(f"/staff/reviews/{review.pk}/reply/", {"reply": "Thanks"})
    assert answer.status_code == 404
    # the owner sees and answers
    owner = as_(hotel, owner_of(hotel))
    assert "Lovely" in owner.get("/staff/reviews/?show=all").content.decode()
    assert owner.post(f"/staff/reviews/{review.pk}/reply/", {"reply": ""}).status_code == 303
    assert owner.post(f"/staff/reviews/{review.pk}/reply/", {"reply": "Thanks!"}).status_code == 303
    with tenant_context(hotel):
        assert Review.objects.get(pk=review.pk).reply == "Thanks!"


def test_the_review_list_costs_the_same_queries_for_two_reviews_or_eight(hotel):
    def rated(count: int) -> None:
        with tenant_context(hotel):
            for _n in range(count):
                review = review_ask(client=a_client(), subject=f"fb:many:{uuid.uuid4().hex[:8]}",
                                    title="Dinner", staff=owner_of(hotel))  # fmt: skip
                review = review_submit(review=review, rating=3, comment="ok")
                review_reply(review=review, text="Thank you", by=owner_of(hotel))

    browser = as_(hotel, owner_of(hotel))

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert browser.get("/staff/reviews/").status_code == 200
        return len(captured)

    rated(2)
    browser.get("/staff/reviews/")  # warm the per-process caches
    two = queries()
    rated(6)
    browser.get("/staff/reviews/")  # the connection back on this cabinet's schema
    assert queries() == two


# --- Surveys -----------------------------------------------------------------------------------


def _survey_to_club(tenant, *, members: list[ClientProfile]) -> Survey:
    owner = owner_of(tenant)
    club = Club.objects.create(name="Regulars")
    club.members.add(*members)
    survey = survey_create(kind="nps", title={"en": "How are we doing?", "ru": "Как мы работаем?"},
                           intro={}, audience="club", club=club, by=owner)  # fmt: skip
    question_add(survey=survey, kind="text", text={"en": "What should we improve?",
                 "ru": "Что нам улучшить?"}, choices=[], required=False, by=owner)  # fmt: skip
    question_add(survey=survey, kind="yes_no", text={"en": "Will you come back?",
                 "ru": "Вернётесь к нам?"}, choices=[], required=True, by=owner)  # fmt: skip
    return survey


def test_a_survey_goes_to_its_segment_once(hotel):
    with tenant_context(hotel):
        # given two club members and a client outside the club
        members = [a_client(), a_client()]
        outsider = a_client()
        survey = _survey_to_club(hotel, members=members)
        # when it is sent, and its announcement runs twice
        assert survey_send(survey=survey, by=owner_of(hotel)) == 2
        survey_announce(survey_id=survey.pk)
        survey_announce(survey_id=survey.pk)
        # then each member has one place to answer and heard of it once; the outsider nothing
        assert set(SurveyResponse.objects.filter(survey=survey).values_list("client", flat=True)) \
            == {m.pk for m in members}  # fmt: skip
        for member in members:
            assert Notification.objects.filter(user=member.user, event="feedback").count() == 1
        assert not Notification.objects.filter(user=outsider.user).exists()
        # and it cannot be sent (or changed) a second time
        with pytest.raises(ValidationError):
            survey_send(survey=survey, by=owner_of(hotel))


def test_last_weeks_guests_are_those_served_in_the_last_seven_days(hotel):
    with tenant_context(hotel):
        recent, earlier, never = a_client(), a_client(), a_client()
        review_ask(client=recent, subject="fb:recent", title="Stay")
        old = review_ask(client=earlier, subject="fb:earlier", title="Stay")
        Review.objects.filter(pk=old.pk).update(asked_at=timezone.now() - dt.timedelta(days=9))
        survey = survey_create(kind="csat", title={"en": "Your stay"}, intro={},
                               audience="last_week", by=owner_of(hotel))  # fmt: skip
        survey_send(survey=survey, by=owner_of(hotel))
        invited = set(survey.responses.values_list("client", flat=True))
        assert recent.pk in invited
        assert earlier.pk not in invited
        assert never.pk not in invited


def test_required_questions_are_checked_in_the_clients_language_and_one_answer_is_kept(hotel):
    with tenant_context(hotel):
        member = a_client(language="ru")
        survey = _survey_to_club(hotel, members=[member])
        survey_send(survey=survey, by=owner_of(hotel))
        response = SurveyResponse.objects.get(survey=survey, client=member)
        link = survey_link(response)
        nps, text, yes_no = survey.questions.all()
    browser = as_(hotel, member.user)
    page = browser.get(link, HTTP_ACCEPT_LANGUAGE="ru")
    assert "Как мы работаем?" in page.content.decode()
    # the required yes/no is missing and the NPS score is out of range: 400, in Russian
    refused = browser.post(link, {f"q{nps.pk}": "11", f"q{text.pk}": "Faster Wi-Fi"})
    assert refused.status_code == 400
    body = refused.content.decode()
    assert "Пожалуйста, ответьте на этот вопрос." in body
    assert "Faster Wi-Fi" in body  # what was typed is still there
    with tenant_context(hotel):
        assert SurveyResponse.objects.get(pk=response.pk).answered_at is None
    # answered right, then again: the first answer is kept
    ok = browser.post(link, {f"q{nps.pk}": "9", f"q{yes_no.pk}": "yes"})
    assert ok.status_code == 303
    browser.post(link, {f"q{nps.pk}": "0", f"q{yes_no.pk}": "no"})
    with tenant_context(hotel):
        response.refresh_from_db()
        assert response.answers == {str(nps.pk): 9, str(yes_no.pk): True}


def test_an_nps_detractor_opens_one_work_item(hotel):
    with tenant_context(hotel):
        member = a_client()
        survey = _survey_to_club(hotel, members=[member])
        survey_send(survey=survey, by=owner_of(hotel))
        response = SurveyResponse.objects.get(survey=survey, client=member)
        nps, text, yes_no = survey.questions.all()
        link = survey_link(response)
    answered = as_(hotel, member.user).post(link, {
        f"q{nps.pk}": "3", f"q{text.pk}": "Noisy at night", f"q{yes_no.pk}": "no"})  # fmt: skip
    assert answered.status_code == 303
    with tenant_context(hotel):
        work = WorkRequest.objects.get(source=f"survey:{response.pk}")
        assert "Noisy at night" in work.details


@pytest.mark.parametrize(
    ("scores", "nps"),
    [([10, 9, 8, 7, 6, 0], 0.0), ([10, 10, 9, 6], 50.0), ([0, 1, 2], -100.0), ([9, 10], 100.0),
     ([7, 8], 0.0), ([], None)],
)  # fmt: skip
def test_nps_is_promoters_minus_detractors(scores, nps):
    assert nps_score(scores) == nps


def test_csat_is_the_share_of_four_and_five():
    assert csat_percent([5, 4, 3, 2]) == 50.0
    assert csat_percent([5, 5, 5]) == 100.0
    assert csat_percent([]) is None


def test_the_owner_designs_sends_and_reads_a_survey_with_its_chart_and_export(hotel):
    with tenant_context(hotel):
        member = a_client()
        club = Club.objects.create(name="Spa lovers")
        club.members.add(member)
        branding_update(content_languages=["en", "ru"])  # the owner writes English and Russian
    owner = as_(hotel, owner_of(hotel))
    # design: an NPS survey to the club, plus a choice question in two languages
    made = owner.post("/staff/surveys/", {
        "kind": "nps", "title_en": "Spa survey", "title_ru": "Опрос о спа", "audience": "club",
        "club": str(club.pk),
    })  # fmt: skip
    assert made.status_code == 303
    with tenant_context(hotel):
        survey = Survey.objects.get(title__en="Spa survey")
    page = f"/staff/surveys/{survey.pk}/"
    bad = owner.post(f"{page}questions/", {"kind": "choice", "text_en": "Best part?",
                     "choices_en": "Sauna"})  # fmt: skip
    assert bad.status_code == 400  # one answer is no choice
    added = owner.post(f"{page}questions/", {"kind": "choice", "text_en": "Best part?",
                       "text_ru": "Что лучше всего?", "choices_en": "Sauna\nPool",
                       "choices_ru": "Сауна\nБассейн", "required": "on"})  # fmt: skip
    assert added.status_code == 303
    assert owner.post(f"{page}send/").status_code == 303
    with tenant_context(hotel):
        response = SurveyResponse.objects.get(survey=survey, client=member)
        nps, choice = survey.questions.all()
        assert choice.choices == [{"en": "Sauna", "ru": "Сауна"}, {"en": "Pool", "ru": "Бассейн"}]
        link = survey_link(response)
    answered = as_(hotel, member.user).post(link, {f"q{nps.pk}": "10", f"q{choice.pk}": "1"})
    assert answered.status_code == 303
    # results: the NPS, a chart with its data table; the export has the answers as written
    results = owner.get(page).content.decode()
    assert "NPS 100" in results
    assert "1/1" in owner.get("/staff/surveys/").content.decode()  # answered / sent to
    assert "<svg" in results
    assert "Show as a table" in results
    export = owner.get(f"{page}export/")
    assert export.status_code == 200
    assert "Pool" in export.content.decode("utf-8-sig")
    # somebody without the permission gets nothing of it
    with tenant_context(hotel):
        operator = UserFactory(is_staff=True)
        role_set(user=operator, role=StaffProfile.Role.OPERATOR)
    assert as_(hotel, operator).get(page).status_code == 403
    assert as_(hotel, operator).get(f"{page}export/").status_code == 403


def test_the_navigation_offers_each_page_to_those_who_may_open_it(hotel):
    with tenant_context(hotel):
        operator = UserFactory(is_staff=True)
        role_set(user=operator, role=StaffProfile.Role.OPERATOR)
        client = a_client()
    home = as_(hotel, operator).get("/staff/").content.decode()
    assert 'href="/staff/reviews/"' in home
    assert 'href="/staff/surveys/"' not in home
    owner = as_(hotel, owner_of(hotel))
    assert 'href="/staff/surveys/"' in owner.get("/staff/").content.decode()
    # and the owner's role editor offers both abilities
    roles = owner.get("/staff/roles/").content.decode()
    assert "Answer client reviews" in roles
    assert "Design and send surveys, see their results" in roles
    assert 'href="/feedback/"' in as_(hotel, client.user).get("/").content.decode()


# --- The client's home, the KPI page, the data export --------------------------------------------


def test_the_clients_home_shows_what_is_waiting_for_their_opinion(hotel):
    with tenant_context(hotel):
        guest = a_client()
        review_ask(client=guest, subject="fb:home", title="Sunset cruise")
    home = as_(hotel, guest.user).get("/").content.decode()
    assert "Sunset cruise" in home
    assert 'href="/feedback/review/' in home


def test_the_kpi_page_shows_ratings_per_person_and_per_service(hotel):
    with tenant_context(hotel):
        owner = owner_of(hotel)
        olga = UserFactory(is_staff=True, full_name="Olga Desk")
        role_set(user=olga, role=StaffProfile.Role.OPERATOR)
        for n, rating in enumerate((5, 3, 1)):
            review = review_ask(client=a_client(), subject=f"fb:kpi:{n}", title="Massage",
                                service="Massage", staff=olga)  # fmt: skip
            review_submit(review=review, rating=rating, comment="")
        figures = review_figures(staff=User.objects.filter(pk=olga.pk), days=30)
        assert [(f.name, f.reviews, f.average, f.low) for f in figures["staff"]] == [
            ("Olga Desk", 3, 3.0, 1)
        ]
        massage = next(f for f in figures["services"] if f.name == "Massage")
        assert (massage.reviews, massage.average) == (3, 3.0)
    page = as_(hotel, owner).get("/staff/kpi/").content.decode()
    assert "Ratings from reviews" in page
    assert "Olga Desk" in page
    assert "Massage" in page


def test_the_clients_data_export_holds_their_reviews_and_answers(hotel):
    with tenant_context(hotel):
        guest = a_client()
        review = review_ask(client=guest, subject="fb:export", title="Kayak tour")
        review_submit(review=review, rating=5, comment="Great guide")
        records = [
            record
            for section in personal_data_sections(user=guest.user)
            if section.title == "Reviews and survey answers"
            for record in section.records
        ]
        assert any("Great guide" in str(record) for record in records)
