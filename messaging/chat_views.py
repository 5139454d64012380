"""Chat screens: conversations, a conversation, the people picker. Sending and receipts go through
messaging.services; what arrives while a page is open comes over the page's websocket."""

from django.contrib import messages as flash
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from hms import paging, params, rbac
from messaging import presence, rules, selectors, services
from messaging.models import Message, Thread

THREADS_PER_PAGE = 50


def _thread_for(user, thread_id: int) -> Thread:
    """The thread if `user` is in it; 404 otherwise (its existence is nobody else's business)."""
    thread = selectors.thread_for(user, thread_id)
    if thread is None:
        raise Http404("No such conversation.")
    return thread


@rbac.capability_required("chat.use")
def chat_list(request: HttpRequest) -> HttpResponse:
    page = paging.page_of(request, selectors.threads_of(request.user), THREADS_PER_PAGE)
    return render(request, "messaging/chat_list.html", {"threads": page, "page": page})


@rbac.capability_required("chat.use")
def chat_picker(request: HttpRequest) -> HttpResponse:
    """People the user may start a conversation with, searched by name as they type."""
    query = params.search_text(request.GET.get("q"), 60)
    people = paging.first_of(
        selectors.people_to_contact(request.user, query), selectors.PICKER_LIMIT
    )
    return render(request, "messaging/chat_picker.html", {"people": people, "query": query})


@rbac.capability_required("chat.use", post_only=True)
@require_POST
def chat_start(request: HttpRequest) -> HttpResponse:
    wanted = request.POST.getlist("to")
    ids = params.db_ids(wanted)
    others = selectors.people_by_id(ids)
    if len(others) != len(ids) or len(ids) != len(set(wanted)):
        flash.error(request, "That person could not be found.")
        return redirect("chat_list")
    try:
        thread = services.thread_start(initiator=request.user, others=others)
    except services.ChatError as error:
        flash.error(request, str(error))
        return redirect("chat_list")
    return redirect("chat_thread", pk=thread.pk)


@rbac.capability_required("chat.use")
def chat_thread(request: HttpRequest, pk: int) -> HttpResponse:
    thread = selectors.thread_open(request.user, pk)
    if thread is None:
        raise Http404("No such conversation.")
    events, more = selectors.messages_page(thread, None)
    if events and events[-1]["id"] > thread.my_last_read:  # read already: nothing to move
        services.thread_mark_read(user=request.user, thread_id=thread.pk, up_to_id=events[-1]["id"])
    others = [member.user for member in thread.others]
    context = {
        "thread": thread,
        "others": others,
        "online": {person.pk for person in others if presence.is_online(person.pk)},
        "chat_messages": events,
        "more": more,
        "oldest": events[0]["id"] if events else 0,
        "can_write": all(rules.may_talk(request.user, person) for person in others),
        "body_limit": Message.BODY_LIMIT,
    }
    return render(request, "messaging/chat_thread.html", context)


@rbac.capability_required("chat.use")
def chat_older(request: HttpRequest, pk: int) -> HttpResponse:
    thread = _thread_for(request.user, pk)
    events, more = selectors.messages_page(thread, params.db_id(request.GET.get("before")))
    context = {
        "thread": thread,
        "chat_messages": events,
        "more": more,
        "oldest": events[0]["id"] if events else 0,
    }
    return render(request, "messaging/chat_thread.html#older", context)


@rbac.capability_required("chat.use", post_only=True)
@require_POST
def chat_send(request: HttpRequest, pk: int) -> HttpResponse:
    thread = _thread_for(request.user, pk)
    body = request.POST.get("body", "")
    error = ""
    try:
        services.message_send(sender=request.user, thread=thread, body=body)
        body = ""
    except services.ChatError as refusal:
        error = str(refusal)
    context = {
        "thread": thread,
        "error": error,
        "body": body,
        "can_write": True,
        "body_limit": Message.BODY_LIMIT,
    }
    if request.htmx:
        # 200 even when refused: htmx swaps the form back in with the reason shown under it.
        return render(request, "messaging/chat_thread.html#compose", context)
    if error:
        flash.error(request, error)
    return redirect("chat_thread", pk=thread.pk)


@rbac.capability_required("chat.use", post_only=True)
@require_POST
def chat_read(request: HttpRequest, pk: int) -> HttpResponse:
    thread = _thread_for(request.user, pk)
    up_to = params.db_id(request.POST.get("up_to"))
    if up_to:
        services.thread_mark_read(user=request.user, thread_id=thread.pk, up_to_id=up_to)
    return HttpResponse(status=204)
