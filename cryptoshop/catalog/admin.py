"""Operator admin for the catalog: the category tree (full control) and tags. Listings are
in the moderation app's admin (view, feature, block/unblock, audited)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.views.main import ORDER_VAR, ChangeList
from django.db.models import BooleanField, Case, Count, F, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.http import HttpRequest

from cryptoshop.catalog.models import Category, Tag
from cryptoshop.core.admin_audit import AuditedAdminMixin


class CategoryForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Category
        fields = ("name", "slug", "parent", "description", "prohibited", "position")

    def clean_parent(self) -> Category | None:
        parent: Category | None = self.cleaned_data.get("parent")
        if parent is None:
            return None
        # Two levels (top-level and children): what browse pages and filters expect.
        if self.instance.pk and parent.pk == self.instance.pk:
            raise forms.ValidationError("A category can't be its own parent.")
        if parent.parent_id is not None:
            raise forms.ValidationError("Choose a top-level category as the parent "
                                        "(the tree has two levels).")
        if self.instance.pk and self.instance.children.exists():
            raise forms.ValidationError("This category has children, so it must stay "
                                        "top-level.")
        return parent


class CategoryChangeList(ChangeList):
    """Lists the tree in order (each top-level category, then its children) unless the
    operator sorts by a column."""

    def get_ordering(self, request: HttpRequest, queryset: QuerySet[Any]) -> list[Any]:
        if ORDER_VAR in self.params:
            return list(super().get_ordering(request, queryset))
        return ["root_position", "root_name", "is_child", "position", "name", "pk"]


@admin.register(Category)
class CategoryAdmin(AuditedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    form = CategoryForm
    list_display = ("tree_name", "slug", "prohibited", "position", "listing_count")
    list_editable = ("prohibited", "position")
    list_filter = ("prohibited", ("parent", admin.RelatedOnlyFieldListFilter))
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    list_select_related = ("parent",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Category]:
        # Tree order: each top-level category followed by its children.
        qs: QuerySet[Category] = super().get_queryset(request)
        return (qs.annotate(
                    root_position=Coalesce(F("parent__position"), F("position")),
                    root_name=Coalesce(F("parent__name"), F("name")),
                    is_child=Case(When(parent__isnull=True, then=Value(False)),
                                  default=Value(True), output_field=BooleanField()),
                    n_listings=Count("listings", distinct=True))
                .order_by("root_position", "root_name", "is_child", "position", "name"))

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return CategoryChangeList

    @admin.display(description="category", ordering="root_name")
    def tree_name(self, obj: Category) -> str:
        return f"— {obj.name}" if obj.parent_id else obj.name

    @admin.display(description="listings", ordering="n_listings")
    def listing_count(self, obj: Any) -> int:
        return int(obj.n_listings)


@admin.register(Tag)
class TagAdmin(AuditedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name",)
    search_fields = ("name",)
