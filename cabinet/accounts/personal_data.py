"""What the cabinet's core holds about a person, for their data export (rbac's
personal_data_requested, answered in cabinet/receivers.py): the client record, orders, bookings,
wallet and ledger, loyalty, documents, conversations, notifications, the community, and the
audit entries about their client record. Staff get what they did as staff (assignments,
requests, status changes they made)."""

from django.db.models import Q

from cabinet.accounts.models import Assignment, ClientProfile, ClientProfileUserObjectPermission
from cabinet.bookings.models import Booking
from cabinet.checkout.models import Checkout, OfferRedemption
from cabinet.custom_fields import services as custom_fields
from cabinet.documents.models import Document
from cabinet.feedback.models import Review, Survey, SurveyResponse
from cabinet.messaging.models import (
    CommunityBan,
    CommunityReply,
    CommunityTopic,
    DirectConversation,
    DirectMessage,
    Message,
    Thread,
)
from cabinet.notifications.models import Notification, NotificationSettings, PushSubscription
from cabinet.orders.models import Order, OrderStatusChange
from cabinet.wallet.models import Club, LedgerEntry, Offer, Wallet
from cabinet.work.models import WorkRequest
from rbac.models import AuditEntry, User
from rbac.signals import PersonalDataSection, file_delete_on_commit
from rbac.signals import personal_record as row


def _client_sections(client: ClientProfile) -> list[PersonalDataSection]:
    orders = (
        Order.objects.filter(client=client)
        .prefetch_related("items", "history")
        .order_by("-created_at")
    )
    order_rows = []
    for order in orders:
        order_rows.append(
            row(
                order=order.pk,
                placed=order.created_at,
                status=order.status,
                payment=order.payment,
                subtotal=order.subtotal,
                fee=order.fee,
                total=order.total,
                currency=order.currency,
                note=order.note,
            )
        )
        order_rows += [
            row(
                order=order.pk,
                item=i.name,
                quantity=i.quantity,
                price=i.unit_price,
                line_total=i.line_total,
            )
            for i in order.items.all()
        ]
        order_rows += [
            row(order=order.pk, status_changed_to=c.to_status, at=c.at) for c in order.history.all()
        ]
    wallet = Wallet.objects.filter(client=client).first()
    wallet_rows = (
        [row(balance=wallet.balance, currency=wallet.currency, points=wallet.points)]
        if wallet
        else []
    )
    wallet_rows += [
        row(
            at=e.created_at,
            account=e.account,
            kind=e.kind,
            amount=e.amount,
            order=e.order_id,
            note=e.note,
        )
        for e in LedgerEntry.objects.filter(client=client).order_by("-created_at")
    ]
    threads = Thread.objects.filter(client=client).prefetch_related("messages").order_by("pk")
    message_rows = []
    for thread in threads:
        message_rows.append(
            row(
                conversation=thread.pk,
                subject=thread.subject,
                status=thread.status,
                started=thread.created_at,
            )
        )
        message_rows += [
            row(
                conversation=thread.pk,
                at=m.created_at,
                from_="staff" if m.from_staff else "you",
                text=m.body,
                attachment=m.attachment_name,
            )
            for m in thread.messages.all()
        ]
    about_record = AuditEntry.objects.filter(
        target_type="clientprofile", target_id=str(client.pk)
    ).order_by("-at")[:500]
    return [
        PersonalDataSection(
            title="Client record",
            records=[
                row(
                    phone=client.phone,
                    address=client.address,
                    birth_date=client.birth_date,
                    document_number=client.document_number,
                    other_clients_may_message_you=client.accepts_direct_messages,
                    preferences=client.preferences,
                    news_and_offers_by_email=client.marketing_consent,
                    consent_given=client.marketing_consent_at,
                    client_since=client.created_at,
                    last_activity=client.last_activity_at,
                )
            ],
            sources=("cabinet.ClientProfile",),
        ),
        custom_fields.personal_section(client),
        PersonalDataSection(
            title="Orders",
            records=order_rows,
            sources=("cabinet.Order", "cabinet.OrderStatusChange"),
        ),
        PersonalDataSection(
            title="Bookings",
            records=[
                row(
                    booking=b.pk,
                    event=b.event.title,
                    starts=b.event.starts_at,
                    seats=b.seats,
                    status=b.status,
                    booked=b.created_at,
                    checked_in=b.checked_in_at,
                )
                for b in Booking.objects.filter(client=client).select_related("event")
            ],
            sources=("cabinet.Booking",),
        ),
        PersonalDataSection(
            title="Balance, points and their ledger",
            records=wallet_rows,
            sources=("cabinet.Wallet", "cabinet.LedgerEntry"),
        ),
        PersonalDataSection(
            title="Loyalty: clubs and personal offers",
            records=[row(club=c.name) for c in Club.objects.filter(members=client)]
            + [
                row(offer=o.title, valid_until=o.valid_until, active=o.is_active)
                for o in Offer.objects.filter(client=client)
            ],
            sources=("cabinet.Club", "cabinet.Offer"),
        ),
        PersonalDataSection(
            title="Payments at checkout",
            records=[
                row(
                    checkout=c.kind,
                    status=c.status,
                    payment=c.payment,
                    subtotal=c.subtotal,
                    discount=c.discount,
                    total=c.total,
                    refunded=c.refunded,
                    currency=c.currency,
                    code=c.code,
                    paid=c.paid_at,
                    opened=c.created_at,
                )
                for c in Checkout.objects.filter(client=client)
            ]
            + [
                row(
                    offer=r.offer.title,
                    discount=r.discount,
                    paid=r.revenue,
                    currency=r.currency,
                    at=r.created_at,
                )
                for r in OfferRedemption.objects.filter(client=client).select_related("offer")
            ],
            sources=("cabinet.Checkout", "cabinet.OfferRedemption"),
        ),
        PersonalDataSection(
            title="Documents",
            records=[
                row(document=d.kind, made=d.created_at, order=d.order_id, booking=d.booking_id)
                for d in Document.objects.filter(client=client)
            ],
            sources=("cabinet.Document",),
        ),
        PersonalDataSection(
            title="Messages with the staff",
            records=message_rows,
            sources=("cabinet.Thread", "cabinet.Message"),
        ),
        PersonalDataSection(
            title="Requests handled for you",
            records=[
                row(request=w.title, status=w.status, opened=w.created_at, done=w.done_at)
                for w in WorkRequest.objects.filter(client=client)
            ],
            sources=("cabinet.WorkRequest",),
        ),
        PersonalDataSection(
            title="Reviews and survey answers",
            records=[
                row(
                    about=r.title,
                    asked=r.asked_at,
                    rating=r.rating,
                    comment=r.comment,
                    rated=r.answered_at,
                    our_answer=r.reply,
                    answered=r.replied_at,
                )
                for r in Review.objects.filter(client=client).order_by("asked_at")
            ]
            + [
                row(
                    survey=str(s.survey),
                    sent=s.invited_at,
                    answered=s.answered_at,
                    answers=s.answers,
                )
                for s in SurveyResponse.objects.filter(client=client).select_related("survey")
            ],
            sources=("cabinet.Review", "cabinet.SurveyResponse"),
        ),
        PersonalDataSection(
            title="Who serves you",
            records=[
                row(staff=a.staff.get_full_name(), from_=a.assigned_at, until=a.ended_at)
                for a in Assignment.objects.filter(client=client).select_related("staff")
            ],
            sources=("cabinet.Assignment",),
        ),
        PersonalDataSection(
            title="Records about your client file",
            records=[
                row(when=e.at, what=e.action, by=e.actor_label, reason=e.reason)
                for e in about_record
            ],
            sources=("rbac.AuditEntry",),
        ),
    ]


def _staff_work_rows(user: User) -> list[dict[str, str]]:
    work_rows = [
        row(serves_client=a.client_id, from_=a.assigned_at, until=a.ended_at)
        for a in Assignment.objects.filter(Q(staff=user) | Q(assigned_by=user))
    ]
    work_rows += [
        row(request=w.title, status=w.status, opened=w.created_at, done=w.done_at)
        for w in WorkRequest.objects.filter(assignee=user)
    ]
    work_rows += [
        row(conversation_assigned=t.pk, subject=t.subject)
        for t in Thread.objects.filter(assignee=user)
    ]
    work_rows += [
        row(order=c.order_id, status_changed_to=c.to_status, at=c.at)
        for c in OrderStatusChange.objects.filter(by=user)
    ]
    work_rows += [
        row(message_in_conversation=m.thread_id, at=m.created_at, text=m.body)
        for m in Message.objects.filter(author=user, from_staff=True)
    ]
    work_rows += [
        row(review_of_your_work=r.title, rating=r.rating, at=r.answered_at)
        for r in Review.objects.filter(staff=user, answered_at__isnull=False)
    ]
    work_rows += [
        row(you_answered_review=r.title, answer=r.reply, at=r.replied_at)
        for r in Review.objects.filter(replied_by=user)
    ]
    work_rows += [row(survey_you_made=str(s), at=s.created_at) for s in Survey.objects.filter(
        created_by=user)]  # fmt: skip
    return work_rows


def _person_sections(user: User) -> list[PersonalDataSection]:
    settings = NotificationSettings.objects.filter(user=user).first()
    notification_rows = (
        [
            row(
                channels=settings.channels,
                quiet_from=settings.quiet_from,
                quiet_until=settings.quiet_until,
                telegram_linked=bool(settings.telegram_chat_id),
            )
        ]
        if settings
        else []
    )
    notification_rows += [
        row(push_on_device=p.endpoint[:60], since=p.created_at)
        for p in PushSubscription.objects.filter(user=user)
    ]
    notification_rows += [
        row(
            at=n.created_at,
            title=n.title,
            text=n.body,
            read=n.read_at,
            sent_by=", ".join(f"{d.channel}: {d.status}" for d in n.deliveries.all()),
        )
        for n in Notification.objects.filter(user=user).prefetch_related("deliveries")[:1000]
    ]
    community_rows = [
        row(topic=t.title, text=t.body, at=t.created_at, hidden=t.is_hidden)
        for t in CommunityTopic.objects.filter(author=user)
    ]
    community_rows += [
        row(reply_to=r.topic.title, text=r.body, at=r.created_at, hidden=r.is_hidden)
        for r in CommunityReply.objects.filter(author=user).select_related("topic")
    ]
    community_rows += [
        row(banned=b.created_at, reason=b.reason) for b in CommunityBan.objects.filter(user=user)
    ]
    community_rows += [
        row(you_banned=b.user_id, at=b.created_at, reason=b.reason)
        for b in CommunityBan.objects.filter(by=user)
    ]
    conversations = DirectConversation.objects.filter(Q(first=user) | Q(second=user))
    direct_rows = [
        row(
            conversation=m.conversation_id,
            at=m.created_at,
            from_="you" if m.author_id == user.pk else "the other member",
            text=m.body,
        )
        for m in DirectMessage.objects.filter(conversation__in=conversations).order_by("pk")
    ]
    sections = [
        PersonalDataSection(
            title="Notifications",
            records=notification_rows,
            sources=(
                "cabinet.NotificationSettings",
                "cabinet.PushSubscription",
                "cabinet.Notification",
            ),
        ),
        PersonalDataSection(
            title="Community",
            records=community_rows,
            sources=("cabinet.CommunityTopic", "cabinet.CommunityReply", "cabinet.CommunityBan"),
        ),
        PersonalDataSection(
            title="Messages with other members",
            records=direct_rows,
            sources=("cabinet.DirectConversation", "cabinet.DirectMessage"),
        ),
    ]
    if user.is_staff:
        sections.append(
            PersonalDataSection(
                title="Work as staff",
                records=_staff_work_rows(user),
                sources=(
                    "cabinet.Assignment",
                    "cabinet.WorkRequest",
                    "cabinet.Thread",
                    "cabinet.OrderStatusChange",
                    "cabinet.Message",
                    "cabinet.Review",
                    "cabinet.Survey",
                ),
            )
        )
    return sections


def personal_data_sections(*, user: User) -> list[PersonalDataSection]:
    client = ClientProfile.objects.filter(user=user).first()
    return (_client_sections(client) if client else []) + _person_sections(user)


def personal_data_erase(*, user: User) -> None:
    """Erase what the core holds about a person who deleted their account (inside the deletion's
    transaction). Kept, anonymised, for the retention period: their orders with their items and
    history, the wallet and its ledger — the business's accounting, in its revenue figures."""
    client = ClientProfile.objects.filter(user=user).first()
    if client is not None:
        custom_fields.personal_erase(client)  # before the bookings below go
        for document in Document.objects.filter(client=client):
            file_delete_on_commit(document.file)
        Document.objects.filter(client=client).delete()
        for message in Message.objects.filter(thread__client=client).exclude(attachment=""):
            file_delete_on_commit(message.attachment)
        Thread.objects.filter(client=client).delete()
        Booking.objects.filter(client=client).delete()
        WorkRequest.objects.filter(client=client).delete()
        Review.objects.filter(client=client).delete()
        SurveyResponse.objects.filter(client=client).delete()
        Offer.objects.filter(client=client).delete()
        client.clubs.clear()
        Assignment.objects.filter(client=client).delete()
        ClientProfileUserObjectPermission.objects.filter(content_object=client).delete()
        Order.objects.filter(client=client).exclude(note="").update(note="")
        client.phone, client.address, client.birth_date, client.document_number = "", "", None, ""
        client.notes, client.accepts_direct_messages, client.custom = "", False, {}
        client.preferences, client.marketing_consent, client.marketing_consent_at = "", False, None
        client.save()
    Notification.objects.filter(user=user).delete()
    PushSubscription.objects.filter(user=user).delete()
    NotificationSettings.objects.filter(user=user).delete()
    DirectConversation.objects.filter(Q(first=user) | Q(second=user)).delete()
    CommunityBan.objects.filter(user=user).delete()
    CommunityTopic.objects.filter(author=user).update(author=None)
    CommunityReply.objects.filter(author=user).update(author=None)
