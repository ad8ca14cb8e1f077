"""Admin plumbing for an audited operator: a ModelAdmin mixin that writes every add, change
and delete to the audit log, and admin actions that ask for a reason on an intermediate
page and then go through the domain's moderation actions (so they are checked and audited
like the same action taken from the report queue).

Every app's admin.py uses this, so it sits in core; the audit log itself belongs to the
moderation app, which provides its writer through AUDIT_LOG."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Protocol

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db import models
from django.http import HttpRequest
from django.template.response import TemplateResponse

from cryptoshop.core.errors import ActionError
from cryptoshop.core.registry import Slot

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


class AuditWriter(Protocol):
    def __call__(self, actor: Any, action: str, target: models.Model | None,
                 reason: str = "", data: dict[str, Any] | None = None) -> object: ...


AUDIT_LOG: Slot[AuditWriter] = Slot("the audit log writer", provided_by="cryptoshop.moderation")
MAX_REASON = 500


class AdminReasonForm(forms.Form):
    """The intermediate page of the admin's moderation actions."""

    reason = forms.CharField(max_length=MAX_REASON, min_length=3, label="Reason",
                             help_text="Required. Recorded in the audit log with each object.",
                             widget=forms.Textarea(attrs={"rows": 3, "cols": 60}))


def audit(actor: Any, action: str, target: models.Model | None, reason: str = "",
          data: dict[str, Any] | None = None) -> object:
    return AUDIT_LOG.get()(actor, action, target, reason, data)


def _staff(request: HttpRequest) -> AbstractBaseUser:
    user = request.user
    assert user.is_authenticated and user.is_staff
    return user


def _label(model: type[models.Model] | models.Model) -> str:
    return str(model._meta.model_name)


class AuditedAdminMixin:
    """Every add, change and delete made through this ModelAdmin lands in the audit log
    with Django's change message (which fields changed), besides the admin's own history."""

    def has_moderate_permission(self, request: HttpRequest) -> bool:
        # Gate for reason_action(): any active staff member (the admin requires 2FA).
        user = request.user
        return bool(user.is_active and user.is_staff)

    def log_addition(self, request: HttpRequest, obj: models.Model, message: Any) -> Any:
        entry = super().log_addition(request, obj, message)  # type: ignore[misc]
        audit(_staff(request), f"admin.add.{_label(obj)}"[:40], obj, "",
              {"object": str(obj)[:200], "change": message})
        return entry

    def log_change(self, request: HttpRequest, obj: models.Model, message: Any) -> Any:
        entry = super().log_change(request, obj, message)  # type: ignore[misc]
        audit(_staff(request), f"admin.change.{_label(obj)}"[:40], obj, "",
              {"object": str(obj)[:200], "change": message})
        return entry

    def log_deletions(self, request: HttpRequest, queryset: Iterable[models.Model]) -> Any:
        objects = list(queryset)
        for obj in objects:
            audit(_staff(request), f"admin.delete.{_label(obj)}"[:40], obj, "",
                  {"object": str(obj)[:200]})
        return super().log_deletions(request, objects)  # type: ignore[misc]


MAX_SELECTED = 200

AdminAction = Callable[[admin.ModelAdmin, HttpRequest, models.QuerySet[Any]],  # type: ignore[type-arg]
                       TemplateResponse | None]


def reason_action(name: str, description: str, do: Callable[[Any, Any, str], object],
                  *, target: Callable[[Any], Any] = lambda obj: obj) -> AdminAction:
    """An admin action that first asks for a reason, then calls `do(staff, target(obj),
    reason)` for each selected object; each call is its own audited moderation action."""

    def action(modeladmin: admin.ModelAdmin, request: HttpRequest,  # type: ignore[type-arg]
               queryset: models.QuerySet[Any]) -> TemplateResponse | None:
        if queryset.count() > MAX_SELECTED:
            modeladmin.message_user(request, f"Select at most {MAX_SELECTED} at a time: each "
                                    "one is a separate moderation action.", messages.WARNING)
            return None
        form = AdminReasonForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            staff = _staff(request)
            done, failed = 0, []
            for obj in queryset:
                try:
                    do(staff, target(obj), form.cleaned_data["reason"])
                    done += 1
                except ActionError as exc:
                    failed.append(f"{obj}: {exc.message}")
            if done:
                modeladmin.message_user(request, f"{description}: {done} done (audited).",
                                        messages.SUCCESS)
            for line in failed:
                modeladmin.message_user(request, line, messages.WARNING)
            return None
        opts = modeladmin.model._meta
        return TemplateResponse(request, "admin_audit/reason.html", {
            **modeladmin.admin_site.each_context(request),
            "title": description,
            "opts": opts,
            "queryset": queryset,
            "form": form,
            "action_name": name,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        })

    action.__name__ = name
    return admin.action(description=description, permissions=["moderate"])(action)


class ReadOnlyInline(admin.TabularInline):  # type: ignore[type-arg]
    """Inline rows staff may look at but not add, change or delete (orders, images,
    specifications, shipping options: they change only through the owners' actions)."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class ViewOnlyAdminMixin:
    """Staff may look but never add, change or delete (evidence and records: reports,
    the audit log, orders). Changes happen only through the domain actions."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
