"""The shop's own pages (help, terms, privacy, fees): Markdown the operator edits in the
admin. A page without a row shows its default from cryptoshop/pages/defaults/."""

from __future__ import annotations

from django.db import models


class Page(models.Model):
    class Slug(models.TextChoices):
        HELP = "help", "Help"
        TERMS = "terms", "Terms"
        PRIVACY = "privacy", "Privacy"
        FEES = "fees", "Fees"

    slug = models.CharField(max_length=20, choices=Slug.choices, unique=True)
    title = models.CharField(max_length=120)
    body = models.TextField(
        help_text="Markdown (no HTML, no images). These placeholders are filled in from the "
                  "settings: {site_name}, {order_purge_days}, {reservation_minutes}, "
                  "{session_days}, {auto_release_min_days}, {auto_release_max_days}, "
                  "{escrow_fee}. Delete the page to go back to the default text.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.title or self.slug
