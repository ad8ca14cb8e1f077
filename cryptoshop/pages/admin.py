"""The operator edits the shop's pages here; every add, change and delete is audited."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from cryptoshop.core.admin_audit import AuditedAdminMixin
from cryptoshop.pages.content import TITLES, default_body
from cryptoshop.pages.models import Page


@admin.register(Page)
class PageAdmin(AuditedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("slug", "title", "updated_at")
    readonly_fields = ("updated_at",)

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        """Adding a page starts from its default text (?slug=help), so the operator edits
        what visitors see rather than a blank page."""
        initial: dict[str, Any] = dict(super().get_changeform_initial_data(request))
        slug = request.GET.get("slug", "")
        if slug in TITLES:
            initial.update(slug=slug, title=TITLES[slug], body=default_body(slug))
        return initial
