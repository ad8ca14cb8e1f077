"""The notification centre (/notifications/): every logged-in account's notices, newest
first. Looking never marks anything read; marking read is a POST (one notice, all of
them, or following a notice's link through a form that marks it and redirects)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from cryptoshop.accounts.who import page_user
from cryptoshop.core.pagination import clamp_page, paginate
from cryptoshop.core.web import safe_next
from cryptoshop.notifications import actions
from cryptoshop.notifications.kinds import label_of

PER_PAGE = 20


@never_cache
@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    user = page_user(request)
    unread_only = request.GET.get("unread") in {"1", "true"}
    qs = actions.notices_of(user, unread_only=unread_only)
    notices, pagination = paginate(qs, clamp_page(request.GET.get("page")), PER_PAGE)
    for notice in notices:
        notice.label = label_of(notice.kind)
    return render(request, "notifications/list.html", {
        "notices": notices, "pagination": pagination, "unread_only": unread_only})


@login_required
@require_POST
def mark_read(request: HttpRequest, notice_id: int) -> HttpResponse:
    user = page_user(request)
    actions.do_mark_read(user, actions.notice_for(user, notice_id))
    return redirect(safe_next(request, "notifications:list"))


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    actions.do_mark_all_read(page_user(request))
    return redirect(safe_next(request, "notifications:list"))


@login_required
@require_POST
def open_notice(request: HttpRequest, notice_id: int) -> HttpResponse:
    """Follow a notice's link: mark it read, then go there (a path on this site only; a
    stored link is ours, but a redirect is never open)."""
    user = page_user(request)
    notice = actions.notice_for(user, notice_id)
    actions.do_mark_read(user, notice)
    target = notice.url
    if (target.startswith("/") and "\\" not in target and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure())):
        return redirect(target)
    return redirect("notifications:list")
