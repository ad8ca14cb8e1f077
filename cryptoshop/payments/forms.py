from __future__ import annotations

from decimal import Decimal

from django import forms

from cryptoshop.core.forms_util import StyledForm


class PayoutForm(StyledForm):
    descriptor = forms.CharField(
        max_length=1000, label="Wallet (xpub / zpub / descriptor)",
        help_text="Watch-only: paste your wallet's account xpub, zpub (vpub/tpub on test "
                  "networks) or output descriptor. We never see your private keys.",
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false", "autocomplete": "off"}))
    mode = forms.ChoiceField(
        choices=[("escrow", "2-of-3 escrow (recommended) — paid when the buyer releases"),
                 ("direct", "Direct — paid straight to this wallet")],
        initial="escrow", widget=forms.RadioSelect, label="How buyers pay",
        help_text="Escrow: the buyer's coins wait in a multisig of buyer, you and the "
                  "marketplace; releases and refunds pay out to this wallet. Needs your "
                  "escrow key.")
    auto_release_days = forms.IntegerField(
        min_value=1, max_value=365, initial=14, label="Auto-release after shipping (days)",
        help_text="Escrow only: if the buyer neither releases nor disputes, you may claim "
                  "this many days after marking the order shipped.")
    required_confirmations = forms.TypedChoiceField(
        choices=[(0, "0 — instant (not for RBF payments)"), (1, "1 confirmation"),
                 (2, "2 confirmations"), (6, "6 confirmations")],
        coerce=int, initial=1, label="Confirmations before an order counts as paid")
    invoice_minutes = forms.IntegerField(min_value=5, max_value=240, initial=15,
                                         label="Minutes to pay")
    watch_hours = forms.IntegerField(min_value=1, max_value=168, initial=24,
                                     label="Watch for late payments (hours)")
    tolerance_percent = forms.DecimalField(min_value=Decimal("0"), max_value=Decimal("10"),
                                           decimal_places=2, initial=Decimal("0"),
                                           label="Accept underpayment up to (%)")


class PayForm(StyledForm):
    refund_address = forms.CharField(
        required=False, max_length=100, label="Refund address (recommended)",
        help_text="Where the seller can send money back if needed. It is shown to the "
                  "seller only.", widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false"}))
