"""Operator admin for moderation: reports (acted on through moderation.actions), the audit
log (which nobody can add to, edit or delete from here — superusers included), and the
moderated objects — accounts, stores, listings, reviews — whose ban, suspend, block and
hide actions ask for a reason and are audited."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from cryptoshop.accounts.models import User
from cryptoshop.catalog.models import Listing, ListingImage, Specification
from cryptoshop.core.admin_audit import (
    AuditedAdminMixin,
    ReadOnlyInline,
    ViewOnlyAdminMixin,
    reason_action,
)
from cryptoshop.moderation import actions as moderation
from cryptoshop.moderation.models import AuditEntry, Report
from cryptoshop.moderation.review_reports import do_hide_review, do_unhide_review
from cryptoshop.reviews.models import Review
from cryptoshop.stores.models import ShippingOption, Store


def _dismiss(staff: Any, report: Report, reason: str) -> object:
    return moderation.do_act_on_report(staff, report, "dismiss", reason)


def _block(staff: Any, report: Report, reason: str) -> object:
    return moderation.do_act_on_report(staff, report, "block_listing", reason)


@admin.register(Report)
class ReportAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    # Reports are evidence: made by visitors, resolved through the actions below or the
    # queue at /moderation/queue/, never edited or deleted.
    list_display = ("created_at", "subject_type", "listing", "subject_id", "reason", "status",
                    "resolved_by", "resolved_at")
    list_filter = ("status", "subject_type", "reason")
    search_fields = ("listing__title", "=listing__public_id", "=subject_id", "text")
    list_select_related = ("listing", "resolved_by")
    date_hierarchy = "created_at"
    fields = ("subject_type", "listing", "subject_id", "reason", "text", "created_at",
              "status", "resolved_by", "resolved_at", "resolution")
    actions = (
        reason_action("dismiss_reports", "Dismiss selected reports", _dismiss),
        reason_action("block_reported_listings", "Block the reported listings", _block),
    )

    def has_moderate_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_staff)


@admin.register(AuditEntry)
class AuditEntryAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("created_at", "actor_label", "action", "target_type", "target_id",
                    "reason")
    list_filter = ("action", "target_type")
    search_fields = ("=target_id", "actor_label", "reason")
    date_hierarchy = "created_at"
    fields = ("created_at", "actor", "actor_label", "action", "target_type", "target_id",
              "reason", "data")
    list_select_related = ("actor",)


# --- accounts ---------------------------------------------------------------------------------

def _ban(staff: Any, user: User, reason: str) -> object:
    return moderation.do_ban_account(staff, user, reason)


def _unban(staff: Any, user: User, reason: str) -> object:
    return moderation.do_unban_account(staff, user, reason)


@admin.register(User)
class UserAdmin(AuditedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("public_id", "display_name", "is_active", "is_staff", "totp_enabled",
                    "date_joined")
    list_filter = ("is_active", "is_staff", "totp_enabled")
    search_fields = ("public_id", "display_name")
    # is_active changes only through the ban/unban actions: they end the account's
    # sessions, suspend its store and write the audit log.
    readonly_fields = ("public_id", "is_active", "date_joined", "last_login",
                       "token_rotated_at", "totp_enabled")
    fields = ("public_id", "display_name", "is_active", "is_staff", "is_superuser",
              "groups", "date_joined", "last_login", "token_rotated_at", "totp_enabled")
    actions = (
        reason_action("ban_accounts", "Ban selected accounts", _ban),
        reason_action("unban_accounts", "Unban selected accounts", _unban),
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Accounts are created by registering (or manage.py create_operator), which is the
        # only place a token is generated and shown.
        return False


# --- stores -----------------------------------------------------------------------------------

class ShippingOptionInline(ReadOnlyInline):
    model = ShippingOption
    fields = ("position", "name", "regions", "cost_sat", "active")
    readonly_fields = fields


@admin.register(Store)
class StoreAdmin(AuditedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "slug", "public_id", "owner", "status", "listing_count",
                    "created_at")
    list_filter = ("status",)
    search_fields = ("name", "slug", "=public_id")
    list_select_related = ("owner",)
    fields = ("public_id", "name", "slug", "owner", "status", "suspended_reason",
              "description", "policies", "logo", "created_at", "updated_at")
    # Staff may correct the public texts (audited); status only through the actions.
    readonly_fields = ("public_id", "slug", "owner", "status", "suspended_reason", "logo",
                       "created_at", "updated_at")
    inlines = (ShippingOptionInline,)
    actions = (
        reason_action("suspend_stores", "Suspend selected stores", moderation.do_suspend_store),
        reason_action("unsuspend_stores", "Lift the suspension of selected stores",
                      moderation.do_unsuspend_store),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Store]:
        qs: QuerySet[Store] = super().get_queryset(request)
        return qs.annotate(n_listings=Count("listings"))

    @admin.display(description="listings", ordering="n_listings")
    def listing_count(self, obj: Any) -> int:
        return int(obj.n_listings)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # an account opens its own store

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # suspend instead: orders keep pointing at the store


# --- listings ---------------------------------------------------------------------------------

class ListingImageInline(ReadOnlyInline):
    model = ListingImage
    fields = ("position", "path", "thumb_path", "width", "height")
    readonly_fields = fields


class SpecificationInline(ReadOnlyInline):
    model = Specification
    fields = ("position", "key", "value")
    readonly_fields = fields


@admin.register(Listing)
class ListingAdmin(AuditedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("title", "public_id", "store", "category", "status", "blocked",
                    "featured", "price", "stock", "kind", "created_at")
    list_filter = ("status", "blocked", "featured", "kind", "price_mode",
                   ("category", admin.RelatedOnlyFieldListFilter))
    list_editable = ("featured",)
    list_select_related = ("store", "category")
    search_fields = ("title", "=public_id", "store__name")
    date_hierarchy = "created_at"
    show_full_result_count = False  # no extra COUNT(*) over every listing
    # Everything but `featured` is the seller's (edited through catalog.actions) or staff
    # moderation's (block/unblock actions below). Encrypted digital payloads are not shown.
    fields = ("public_id", "title", "slug", "store", "category", "status", "blocked",
              "blocked_reason", "featured", "price_mode", "price_sat", "price_fiat",
              "fiat_currency", "stock", "kind", "description", "sold_count", "rating_avg",
              "rating_count", "created_at", "updated_at")
    readonly_fields = tuple(f for f in fields if f != "featured")
    inlines = (SpecificationInline, ListingImageInline)
    actions = (
        reason_action("block_listings", "Block selected listings", moderation.do_block_listing),
        reason_action("unblock_listings", "Unblock selected listings",
                      moderation.do_unblock_listing),
    )

    @admin.display(description="price", ordering="sort_price_sat")
    def price(self, obj: Listing) -> str:
        if obj.price_mode == Listing.PriceMode.FIAT:
            return f"{obj.price_fiat} {obj.fiat_currency}"
        return f"{obj.price_sat:,} sat"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # listings are created by sellers, with every check in catalog.actions

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # block instead: orders and reports keep pointing at the listing


# --- reviews ----------------------------------------------------------------------------------

@admin.register(Review)
class ReviewAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """Where staff find a hidden review again and put it back (the queue only hides). Like
    the public pages, it never shows who wrote a review or which order it came from."""

    list_display = ("public_id", "listing", "store", "rating", "hidden", "created_at",
                    "answered_at")
    list_filter = ("hidden", "rating")
    search_fields = ("=public_id", "listing__title", "store__name")
    list_select_related = ("listing", "store")
    date_hierarchy = "created_at"
    fields = ("public_id", "listing", "store", "rating", "text", "answer", "hidden",
              "created_at", "edited_at", "answered_at")
    actions = (
        reason_action("hide_reviews", "Hide selected reviews", do_hide_review),
        reason_action("unhide_reviews", "Show selected reviews again", do_unhide_review),
    )

    def has_moderate_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_staff)
