from django.urls import path

from cabinet.accounts import welcome_views as welcome
from cabinet.bookings import views as bookings_views
from cabinet.catalog import views as catalog_views
from cabinet.checkout import views as checkout_views
from cabinet.content import views
from cabinet.custom_fields import views as custom_fields_views
from cabinet.documents import views as documents_views
from cabinet.feedback import views as feedback_views
from cabinet.memberships import views as membership_views
from cabinet.messaging import chat_views, community_views
from cabinet.orders import views as orders_views
from cabinet.wallet import views as wallet_views
from cabinet.work import views as request_views

app_name = "cabinet"

urlpatterns = [
    path("", views.home, name="home"),
    path("language/", views.language_set, name="language"),
    path("welcome/", welcome.welcome, name="welcome"),
    path("services/", catalog_views.services, name="services"),
    path("info/", views.info_page, name="info"),
    path("info/<slug:slug>/", views.info_page, name="info-page"),
    path("orders/", orders_views.order_list, name="orders"),
    path(
        "details/<slug:target>/<int:pk>/", custom_fields_views.client_details, name="custom-details"
    ),
    path(
        "details/<slug:target>/<int:pk>/file/<slug:key>/",
        custom_fields_views.client_file,
        name="custom-file",
    ),
    path("orders/review/", checkout_views.order_review, name="order-review"),
    path("orders/place/", orders_views.order_create, name="order-place"),
    path("orders/<int:pk>/", orders_views.order_detail, name="order"),
    path("orders/<int:pk>/cancel/", orders_views.order_cancel, name="order-cancel"),
    path("orders/<int:pk>/again/", checkout_views.order_reorder, name="order-again"),
    path("checkout/<uuid:token>/", checkout_views.checkout_page, name="checkout"),
    path("checkout/<uuid:token>/code/", checkout_views.checkout_code, name="checkout-code"),
    path("checkout/<uuid:token>/pay/", checkout_views.checkout_pay, name="checkout-pay"),
    path("checkout/<uuid:token>/card/", checkout_views.checkout_card_done, name="checkout-card"),
    path("loyalty/", checkout_views.loyalty_page, name="loyalty"),
    path(
        "loyalty/clubs/<int:pk>/<slug:action>/",
        checkout_views.club_membership,
        name="club-membership",
    ),
    path("events/", bookings_views.events, name="events"),
    path("events/calendar/", bookings_views.event_calendar, name="event-calendar"),
    path("events/<int:pk>/book/", bookings_views.event_book, name="event-book"),
    path("bookings/", bookings_views.booking_list, name="bookings"),
    path("bookings/<int:pk>/", bookings_views.booking_detail, name="booking"),
    path("bookings/<int:pk>/cancel/", bookings_views.booking_cancel_view, name="booking-cancel"),
    path("bookings/<int:pk>/calendar.ics", bookings_views.booking_calendar, name="booking-ics"),
    path("community/", community_views.board, name="community"),
    path("community/<int:pk>/", community_views.topic, name="community-topic"),
    path("community/direct/", community_views.direct_preference, name="community-direct"),
    path("community/messages/", community_views.conversations, name="community-messages"),
    path(
        "community/messages/<int:user_pk>/",
        community_views.conversation,
        name="community-conversation",
    ),
    path("wallet/", wallet_views.wallet, name="wallet"),
    path("wallet/top-up/", wallet_views.wallet_top_up_start, name="wallet-top-up"),
    path("wallet/top-up/done/", wallet_views.wallet_top_up_done, name="wallet-top-up-done"),
    path("memberships/", membership_views.memberships, name="memberships"),
    path("memberships/done/", membership_views.membership_done, name="membership-done"),
    path(
        "memberships/plans/<int:pk>/subscribe/",
        membership_views.membership_subscribe,
        name="membership-subscribe",
    ),
    path(
        "memberships/<int:pk>/<slug:action>/",
        membership_views.membership_change,
        name="membership-change",
    ),
    path(
        "wallet/cards/<str:card_id>/remove/",
        checkout_views.saved_card_remove,
        name="wallet-card-remove",
    ),
    path("requests/", request_views.client_requests, name="requests"),
    path("requests/send/", request_views.client_request_send, name="request-send"),
    path("messages/", chat_views.client_chat, name="chat"),
    path("messages/poll/", chat_views.client_poll, name="chat-poll"),
    path("messages/send/", chat_views.client_send, name="chat-send"),
    path("messages/attachments/<int:pk>/", chat_views.attachment, name="chat-attachment"),
    path("messages/t/<int:pk>/", chat_views.client_chat, name="thread"),
    path("messages/t/<int:pk>/poll/", chat_views.client_poll, name="thread-poll"),
    path("messages/t/<int:pk>/send/", chat_views.client_send, name="thread-send"),
    path("orders/<int:pk>/ask/", chat_views.ask_about_order, name="order-ask"),
    path("bookings/<int:pk>/ask/", chat_views.ask_about_booking, name="booking-ask"),
    path("documents/<str:token>/", documents_views.document_download, name="document"),
    path("feedback/", feedback_views.feedback, name="feedback"),
    path("feedback/review/<str:token>/", feedback_views.review_page, name="review"),
    path("feedback/survey/<str:token>/", feedback_views.survey_page, name="survey"),
]
