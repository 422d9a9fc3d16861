from django.urls import path

from cabinet import chat_views, client_views, community_views, views, welcome

app_name = "cabinet"

urlpatterns = [
    path("", views.home, name="home"),
    path("language/", views.language_set, name="language"),
    path("welcome/", welcome.welcome, name="welcome"),
    path("services/", client_views.services, name="services"),
    path("info/", views.info_page, name="info"),
    path("info/<slug:slug>/", views.info_page, name="info-page"),
    path("orders/", client_views.order_list, name="orders"),
    path("orders/review/", client_views.order_review, name="order-review"),
    path("orders/place/", client_views.order_create, name="order-place"),
    path("orders/<int:pk>/", client_views.order_detail, name="order"),
    path("orders/<int:pk>/cancel/", client_views.order_cancel, name="order-cancel"),
    path("orders/<int:pk>/again/", client_views.order_reorder, name="order-again"),
    path("events/", client_views.events, name="events"),
    path("events/calendar/", client_views.event_calendar, name="event-calendar"),
    path("events/<int:pk>/book/", client_views.event_book, name="event-book"),
    path("bookings/", client_views.booking_list, name="bookings"),
    path("bookings/<int:pk>/", client_views.booking_detail, name="booking"),
    path("bookings/<int:pk>/cancel/", client_views.booking_cancel_view, name="booking-cancel"),
    path("bookings/<int:pk>/calendar.ics", client_views.booking_calendar, name="booking-ics"),
    path("community/", community_views.board, name="community"),
    path("community/<int:pk>/", community_views.topic, name="community-topic"),
    path("community/direct/", community_views.direct_preference, name="community-direct"),
    path("community/messages/", community_views.conversations, name="community-messages"),
    path(
        "community/messages/<int:user_pk>/",
        community_views.conversation,
        name="community-conversation",
    ),
    path("wallet/", client_views.wallet, name="wallet"),
    path("wallet/top-up/", client_views.wallet_top_up_start, name="wallet-top-up"),
    path("wallet/top-up/done/", client_views.wallet_top_up_done, name="wallet-top-up-done"),
    path("messages/", chat_views.client_chat, name="chat"),
    path("messages/poll/", chat_views.client_poll, name="chat-poll"),
    path("messages/send/", chat_views.client_send, name="chat-send"),
    path("messages/attachments/<int:pk>/", chat_views.attachment, name="chat-attachment"),
    path("messages/t/<int:pk>/", chat_views.client_chat, name="thread"),
    path("messages/t/<int:pk>/poll/", chat_views.client_poll, name="thread-poll"),
    path("messages/t/<int:pk>/send/", chat_views.client_send, name="thread-send"),
    path("orders/<int:pk>/ask/", chat_views.ask_about_order, name="order-ask"),
    path("bookings/<int:pk>/ask/", chat_views.ask_about_booking, name="booking-ask"),
    path("documents/<str:token>/", client_views.document_download, name="document"),
]
