"""Test-only endpoints, mounted by config/urls.py only when CRYPTOSHOP_TEST_HOOKS=1 (never
set in production; tests/realtime sets it for its throwaway server).

POST /__test__/publish  {"room", "event", "data", "via": "request" | "thread" | "atomic"}
  calls bus.publish inside the serving process: from the request thread, from a fresh
  background thread (like the chain watcher), or inside transaction.atomic().
  {"room", "control": "leave", "event": "", "data": {}} calls bus.close_room(room) instead.
GET  /__test__/publish  → {"transport": "local" | "redis" | "none"}
GET  /__test__/live-page?rooms=…  a page using live.js (data-live-rooms, data-live-refresh)
GET  /__test__/fragment  the fragment it refreshes: the type of the last published event
GET  /__test__/rendezvous  waits (up to 5 s) until a second request is inside it too: 200
  with how the request was served when two requests ran at the same time, 409 when they
  could not (pages served one at a time, as Django's ASGI handler serves sync views)
"""

from __future__ import annotations

import json
import os
import threading

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import engines
from django.urls import path
from django.utils.html import format_html
from django.views.decorators.csrf import csrf_exempt

from cryptoshop.realtime import bus


def _enabled(request: HttpRequest) -> bool:
    return (os.environ.get("CRYPTOSHOP_TEST_HOOKS") == "1"
            and request.META.get("REMOTE_ADDR") in {"127.0.0.1", "::1"})


@csrf_exempt
def publish_view(request: HttpRequest) -> HttpResponse:
    if not _enabled(request):
        return HttpResponse(status=404)
    if request.method == "GET":
        return JsonResponse({"transport": bus.transport()})
    if request.method != "POST":
        return HttpResponse(status=405)
    body = json.loads(request.body or b"{}")
    room, event, data = str(body["room"]), str(body["event"]), dict(body.get("data") or {})
    _last["type"] = str(data.get("type", ""))
    via = body.get("via", "request")
    if body.get("control") == "leave":
        bus.close_room(room)
    elif via == "thread":
        worker = threading.Thread(target=bus.publish, args=(room, event, data))
        worker.start()
        worker.join()
    elif via == "atomic":
        with transaction.atomic():
            bus.publish(room, event, data)
    else:
        bus.publish(room, event, data)
    return JsonResponse({"transport": bus.transport()})


_last: dict[str, str] = {"type": "nothing yet"}

PAGE = """{% load static %}<!doctype html>
<html><head><meta charset="utf-8"><title>live test</title>
<script src="{% static 'vendor/socket.io.min.js' %}" defer></script>
<script src="{% static 'js/live.js' %}" defer></script></head>
<body><span id="indicator" data-live-indicator></span>
<div id="live" data-live-rooms="{{ rooms }}" data-live-refresh="/__test__/fragment">
<p id="status">as rendered</p></div></body></html>"""


def live_page(request: HttpRequest) -> HttpResponse:
    if not _enabled(request):
        return HttpResponse(status=404)
    template = engines["django"].from_string(PAGE)
    return HttpResponse(template.render({"rooms": request.GET.get("rooms", "")}, request))


def fragment(request: HttpRequest) -> HttpResponse:
    if not _enabled(request):
        return HttpResponse(status=404)
    return HttpResponse(format_html('<p id="status">{}</p>', _last["type"]))


_meeting = threading.Barrier(2)


def rendezvous(request: HttpRequest) -> HttpResponse:
    if not _enabled(request):
        return HttpResponse(status=404)
    try:
        _meeting.wait(timeout=5)
    except threading.BrokenBarrierError:
        _meeting.reset()
        return JsonResponse({"met": False}, status=409)
    return JsonResponse({"met": True, "request": type(request).__name__,
                         "thread": threading.current_thread().name})


urlpatterns = [
    path("publish", publish_view),
    path("rendezvous", rendezvous),
    path("live-page", live_page),
    path("fragment", fragment),
]
