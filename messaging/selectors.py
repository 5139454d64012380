"""Reads of notifications and chat: unread counts, a user's conversations, a page of messages with
their receipts, and the people one may write to. Nothing here changes a row."""

import dataclasses
from datetime import datetime
from functools import partial

from django.contrib.auth import get_user_model
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db import connection
from django.db.models import Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from accounts.models import User
from hms import paging
from hms.prepared import Prepared
from messaging import kinds, rules
from messaging.models import Message, Notification, NotificationMute, Thread, ThreadMember

MESSAGES_PER_PAGE = 30
PICKER_LIMIT = 20


# Urgent and not yet acknowledged: pinned, and counted on the bell apart from the unread ones (an
# urgent notification opened, so read, still waits for its acknowledgement).
WAITING = Q(urgent=True, acknowledged_at__isnull=True)


def unread_count(user: User) -> int:
    """Notifications `user` has not read yet (the bell's number)."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def urgent_waiting_count(user: User) -> int:
    """`user`'s urgent notifications waiting for acknowledgement (the bell's red pin): as many as
    pinned_notifications lists, read or not."""
    return Notification.objects.filter(WAITING, recipient=user).count()


def bell_counts(users: list) -> dict[int, tuple[int, int]]:
    """(unread, urgent waiting) per user id, for the bells of several people at once (one query);
    a user with neither is absent."""
    rows = (
        Notification.objects.filter(Q(read_at__isnull=True) | WAITING, recipient__in=users)
        .values_list("recipient")
        .annotate(
            unread=Count("id", filter=Q(read_at__isnull=True)), waiting=Count("id", filter=WAITING)
        )
        .values_list("recipient", "unread", "waiting")
    )
    return {user_id: (unread, waiting) for user_id, unread, waiting in rows}


def unread_counts(users: list) -> dict[int, int]:
    """Unread chat messages per user, all threads together (one query)."""
    rows = (
        Message.objects.filter(
            thread__members__user__in=users,
            id__gt=F("thread__members__last_read_id"),
        )
        .exclude(sender=F("thread__members__user"))
        .values_list("thread__members__user")
        .annotate(n=Count("id"))
    )
    return dict(rows)


def chat_unread_count(user: User) -> int:
    """Unread chat messages of `user` (the chat badge)."""
    return unread_counts([user]).get(user.pk, 0)


# The two badges of every signed-in page, in one statement. Written out rather than built by the
# ORM: building the chat count's query took ~1.2 ms of Python per page for a 0.1 ms query
# (tests/bench/pages.py --profile); the statement is plain SQL both databases run.
_NAVIGATION_COUNTS_SQL = (
    "SELECT (SELECT COUNT(*) FROM messaging_notification"
    " WHERE recipient_id = %s AND read_at IS NULL),"
    " (SELECT COUNT(*) FROM messaging_notification"
    " WHERE recipient_id = %s AND urgent = %s AND acknowledged_at IS NULL),"
    " (SELECT COUNT(*) FROM messaging_message m"
    " INNER JOIN messaging_threadmember tm ON tm.thread_id = m.thread_id"
    " WHERE tm.user_id = %s AND m.id > tm.last_read_id AND m.sender_id <> %s)"
)


def navigation_counts(user: User, *, chat: bool) -> tuple[int, int, int | None]:
    """(unread notifications, urgent ones waiting for acknowledgement, unread chat messages or
    None when `chat` is False) of `user`, in one query: the badges of every signed-in page's
    navigation. The same counts as unread_count, urgent_waiting_count and chat_unread_count
    (tests/messaging hold them to it)."""
    with connection.cursor() as cursor:
        cursor.execute(_NAVIGATION_COUNTS_SQL, [user.pk, user.pk, True, user.pk, user.pk])
        notifications, waiting, unread_chat = cursor.fetchone()
    return notifications, waiting, unread_chat if chat else None


def message_event(message: Message, sender: User) -> dict:
    """What a socket needs to render a message for its own user (mine or theirs)."""
    local = timezone.localtime(message.created_at)
    return {
        "id": message.pk,
        "sender_id": sender.pk,
        "sender_name": str(sender),
        "body": message.body,
        "time": local.strftime("%H:%M"),
        "date": local.strftime("%d %b %Y"),
    }


_POINTERS = Prepared(
    lambda thread_id: ThreadMember.objects.filter(thread_id=thread_id).values(
        "user_id", "last_delivered_id", "last_read_id"
    ),
    thread_id=-1,
)


def receipt_statuses(thread_id: int, messages: list[tuple[int, int]]) -> dict[int, str]:
    """sent / delivered / read for each (message id, sender id): how far every *other* member's
    pointers have come. One query for the whole thread."""
    pointers = [
        (row["user_id"], row["last_delivered_id"], row["last_read_id"])
        for row in _POINTERS.values(thread_id=thread_id)
    ]
    statuses = {}
    for message_id, sender_id in messages:
        others = [p for p in pointers if p[0] != sender_id]
        if others and all(read >= message_id for _u, _d, read in others):
            statuses[message_id] = "read"
        elif others and all(delivered >= message_id for _u, delivered, _r in others):
            statuses[message_id] = "delivered"
        else:
            statuses[message_id] = "sent"
    return statuses


def thread_for(user: User, thread_id: int) -> Thread | None:
    """The thread if `user` is in it, or None (its existence is nobody else's business)."""
    return Thread.objects.filter(pk=thread_id, members__user=user).first()


def with_people(threads: QuerySet, user: User) -> QuerySet:
    """`threads` with each one's other members (`thread.others`) and their users, prefetched."""
    return threads.prefetch_related(
        Prefetch(
            "members",
            queryset=ThreadMember.objects.select_related("user").exclude(user=user),
            to_attr="others",
        )
    )


# Opening a conversation, compiled once (hms.prepared): the thread with how far I have read, its
# other members with their accounts, its latest page of messages and every member's pointers.
_THREAD_OPEN = Prepared(
    lambda thread_id, user_id: Thread.objects.filter(
        pk=thread_id, members__user_id=user_id
    ).annotate(my_last_read=F("members__last_read_id"))[:1],
    thread_id=-1,
    user_id=-2,
)
_THREAD_OTHERS = Prepared(
    lambda thread_id, user_id: (
        ThreadMember.objects.select_related("user")
        .filter(thread_id=thread_id)
        .exclude(user_id=user_id)
    ),
    thread_id=-1,
    user_id=-2,
)


def thread_open(user: User, thread_id: int) -> Thread | None:
    """The thread if `user` is in it (else None), with its other members (`thread.others`) and
    how far `user` has read (`thread.my_last_read`, a message id): what opening it needs."""
    found = _THREAD_OPEN.all(thread_id=thread_id, user_id=user.pk)
    if not found:
        return None
    thread = found[0]
    thread.others = _THREAD_OTHERS.all(thread_id=thread_id, user_id=user.pk)
    return thread


def people_by_id(ids: list[int]) -> list:
    """The users of these ids that exist."""
    return list(get_user_model().objects.filter(pk__in=ids))


def threads_of(user: User) -> QuerySet:
    """`user`'s conversations, latest first, each with its last message's body and how many of
    its messages `user` has not read."""
    last_body = Message.objects.filter(thread=OuterRef("pk")).order_by("-id").values("body")[:1]
    return with_people(
        Thread.objects.filter(members__user=user)
        .annotate(
            my_last_read=F("members__last_read_id"),
            last_body=Subquery(last_body),
        )
        .annotate(
            unread=Count(
                "messages",
                filter=Q(messages__id__gt=F("my_last_read")) & ~Q(messages__sender=user),
                distinct=True,
            )
        )
        .order_by(F("last_message_at").desc(nulls_last=True), "-id"),
        user,
    )


def people_to_contact(user: User, query: str) -> QuerySet:
    """The people `user` may start a conversation with whose name matches `query`, by name (the
    picker shows the first PICKER_LIMIT and says how many match)."""
    people = rules.contactable(user)
    if query:
        people = people.filter(
            Q(first_name__icontains=query)
            | Q(last_name__icontains=query)
            | Q(username__icontains=query)
        )
    return people.select_related("department").order_by("first_name", "last_name", "id")


_LATEST_MESSAGES = Prepared(
    lambda thread_id: (
        Message.objects.filter(thread_id=thread_id)
        .order_by("-id")
        .values(
            "id",
            "sender_id",
            "body",
            "created_at",
            "sender__first_name",
            "sender__last_name",
            "sender__username",
        )[: MESSAGES_PER_PAGE + 1]
    ),
    thread_id=-1,
)


def _latest_events(thread_id: int) -> tuple[list[dict], bool]:
    """The latest page of the thread's messages as message_event writes them, oldest first
    (read as values: a model instance for each message and its sender cost more than the
    page's markup), and whether any is older."""
    rows = _LATEST_MESSAGES.values(thread_id=thread_id)
    older = len(rows) > MESSAGES_PER_PAGE
    events = []
    for row in reversed(rows[:MESSAGES_PER_PAGE]):
        local = timezone.localtime(row["created_at"])
        name = f"{row['sender__first_name']} {row['sender__last_name']}".strip()
        events.append(
            {
                "id": row["id"],
                "sender_id": row["sender_id"],
                "sender_name": name or row["sender__username"],
                "body": row["body"],
                "time": local.strftime("%H:%M"),
                "date": local.strftime("%d %b %Y"),
            }
        )
    return events, older


def messages_page(thread: Thread, before: int | None) -> tuple[list[dict], int]:
    """The page of `thread`'s messages before message `before` (the latest without it), oldest
    first, each with its receipt status; and how many older ones there are (counted by the
    database)."""
    if before:
        rows = Message.objects.filter(thread=thread, id__lt=before)
        # One row past the page says whether anything is older: when nothing is, there is
        # nothing to count; otherwise the database counts it (a page's query count never
        # grows).
        batch = list(rows.select_related("sender").order_by("-id")[: MESSAGES_PER_PAGE + 1])
        older = len(batch) > MESSAGES_PER_PAGE
        batch = batch[:MESSAGES_PER_PAGE][::-1]
        events = [message_event(message, message.sender) for message in batch]
    else:
        # The latest page, the one nearly always asked for: by a prepared query.
        rows = Message.objects.filter(thread=thread)
        events, older = _latest_events(thread.pk)
    more = rows.filter(id__lt=events[0]["id"]).count() if older else 0
    statuses = receipt_statuses(thread.pk, [(event["id"], event["sender_id"]) for event in events])
    for event in events:
        event["status"] = statuses[event["id"]]
    return events, more


def event_waiting(event: str) -> bool:
    """Whether an urgent notification about `event` still waits for acknowledgement (one
    acknowledgement settles every notification of an event)."""
    return bool(event) and (
        Notification.objects.filter(event=event, urgent=True, acknowledged_at__isnull=True).exists()
    )


# The notifications page's reads, compiled once (hms.prepared): building them with the ORM on
# every load cost more Python than the page's rows (tests/bench/pages.py --profile).
NOTIFICATIONS_PER_PAGE = 30


def _notifications(user_id: int, kind: str | None = None) -> QuerySet:
    rows = Notification.objects.filter(recipient_id=user_id).select_related("acknowledged_by")
    return rows if kind is None else rows.filter(kind=kind)


@dataclasses.dataclass(frozen=True, slots=True)
class NotificationRow:
    """What a row of the notifications page shows of a notification (read as values: a model
    instance each, with its acknowledger's, cost a page more than writing its rows). The same
    names as a Notification's, `acknowledged_by` the acknowledger's name (None for nobody)."""

    pk: int
    text: str
    urgent: bool
    read_at: datetime | None
    created_at: datetime
    acknowledged_at: datetime | None
    acknowledgement_note: str
    acknowledged_by: str | None

    @property
    def is_read(self) -> bool:
        """As Notification.is_read."""
        return self.read_at is not None

    @property
    def is_pinned(self) -> bool:
        """As Notification.is_pinned."""
        return self.urgent and self.acknowledged_at is None


_ROW_VALUES = (
    "id",
    "text",
    "urgent",
    "read_at",
    "created_at",
    "acknowledged_at",
    "acknowledgement_note",
    "acknowledged_by_id",
    "acknowledged_by__first_name",
    "acknowledged_by__last_name",
    "acknowledged_by__username",
)
_FIRST_NOTIFICATIONS = Prepared(
    lambda user_id: Notification.objects.filter(recipient_id=user_id).values(*_ROW_VALUES)[
        :NOTIFICATIONS_PER_PAGE
    ],
    user_id=-1,
)
_FIRST_NOTIFICATIONS_OF_KIND = Prepared(
    lambda user_id, kind: Notification.objects.filter(recipient_id=user_id, kind=kind).values(
        *_ROW_VALUES
    )[:NOTIFICATIONS_PER_PAGE],
    user_id=-1,
    kind="stand-in",
)


def _notification_rows(rows: list[dict]) -> list[NotificationRow]:
    """The first page's values as rows; the acknowledger named as str(User) names them."""
    return [
        NotificationRow(
            row["id"],
            row["text"],
            row["urgent"],
            row["read_at"],
            row["created_at"],
            row["acknowledged_at"],
            row["acknowledgement_note"],
            (
                f"{row['acknowledged_by__first_name']} {row['acknowledged_by__last_name']}".strip()
                or row["acknowledged_by__username"]
            )
            if row["acknowledged_by_id"] is not None
            else None,
        )
        for row in rows
    ]


_PINNED = Prepared(
    lambda user_id: Notification.objects.filter(
        recipient_id=user_id, urgent=True, acknowledged_at__isnull=True
    ).order_by("created_at", "id"),
    user_id=-1,
)
_KIND_COUNTS = Prepared(
    lambda user_id: (
        Notification.objects.filter(recipient_id=user_id)
        .values("kind")
        .annotate(total=Count("id"), unread=Count("id", filter=Q(read_at__isnull=True)))
    ),
    user_id=-1,
)
_MUTED_KINDS = Prepared(
    lambda user_id: NotificationMute.objects.filter(user_id=user_id).values("kind"), user_id=-1
)


def notification_page(user: User, kind: str | None, asked: str | None, groups: list[dict]) -> Page:
    """The page `asked` (the address's `page`, as Paginator.get_page reads it: the first for
    none or a word, the last past the end) of `user`'s notifications (of `kind` only, when
    given), newest first, each with who acknowledged it (the first page as NotificationRow
    values, the others as Notifications: notification_rows writes either). Counted from `groups`
    (notification_groups: the page's own tabs), so no query counts them again; the first page
    is read by a prepared query."""
    count = sum(group["total"] for group in groups if kind is None or group["kind"] == kind)
    paginator = Paginator([], NOTIFICATIONS_PER_PAGE)
    paginator.count = count
    try:
        number = paginator.validate_number(asked)
    except PageNotAnInteger:
        number = 1
    except EmptyPage:
        number = paginator.num_pages
    if kind is None:
        first_values = partial(_FIRST_NOTIFICATIONS.values, user_id=user.pk)
    else:
        first_values = partial(_FIRST_NOTIFICATIONS_OF_KIND.values, user_id=user.pk, kind=kind)
    return paging.page_at(
        # The rows past the first page are sliced from the queryset: the first page never is.
        _notifications(user.pk, kind) if number > 1 else [],
        NOTIFICATIONS_PER_PAGE,
        number,
        count=count,
        first_rows=lambda: _notification_rows(first_values()),
    )


def pinned_notifications(user: User) -> list[Notification]:
    """`user`'s urgent notifications nobody has acknowledged yet, oldest first: pinned above
    everything else until acknowledged."""
    return _PINNED.all(user_id=user.pk)


def notification_groups(user: User) -> list[dict]:
    """The kinds `user` has notifications of, each {kind, label, total, unread, muted, urgent},
    urgent kinds first then by label; with every routine kind they muted (to unmute it). One query
    for the counts, one for the mutes."""
    counts = {
        row["kind"]: (row["total"], row["unread"]) for row in _KIND_COUNTS.values(user_id=user.pk)
    }
    muted = {row["kind"] for row in _MUTED_KINDS.values(user_id=user.pk)}
    groups = [
        {
            "kind": kind,
            "label": kinds.label(kind),
            "total": counts.get(kind, (0, 0))[0],
            "unread": counts.get(kind, (0, 0))[1],
            "muted": kind in muted,
            "urgent": kind in kinds.URGENT_KINDS,
            "mutable": kind in kinds.ROUTINE_KINDS,
        }
        for kind in set(counts) | (muted & set(kinds.ROUTINE_KINDS))
    ]
    return sorted(groups, key=lambda g: (not g["urgent"], g["kind"] == "", g["label"]))
