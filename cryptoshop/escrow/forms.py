from __future__ import annotations

from django import forms

from cryptoshop.btc.cosigner import MAX_EXPORT_CHARS as MAX_KEY_EXPORT_CHARS
from cryptoshop.core.forms_util import StyledForm

MAX_PSBT_UPLOAD = 1_000_000


class ExternalKeyForm(StyledForm):
    key = forms.CharField(
        max_length=MAX_KEY_EXPORT_CHARS, label="Your wallet's multisig account key",
        help_text="From Sparrow, Electrum or a hardware wallet: the P2WSH multisig account "
                  "(BIP48, m/48'/1'/0'/2' on test networks) as [fingerprint/path]Vpub… or "
                  "tpub…, a bare Vpub/tpub, a descriptor holding only your key, or the export "
                  "file's text (Electrum wallet file, Coldcard/Sparrow multisig export, BSMS). "
                  "Only the public key is kept.",
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false", "autocomplete": "off"}))


class SignForm(StyledForm):
    psbt = forms.CharField(required=False, max_length=2_000_000, label="Signed PSBT (base64)",
                           widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false",
                                                        "autocomplete": "off"}))
    psbt_file = forms.FileField(required=False, label="…or the signed .psbt file")
    phrase = forms.CharField(
        required=False, max_length=400, label="Your 12-word escrow phrase",
        help_text="In order, separated by spaces.",
        widget=forms.Textarea(attrs={"rows": 2, "spellcheck": "false", "autocomplete": "off",
                                     "autocapitalize": "none"}))

    def clean_psbt_file(self) -> bytes:
        upload = self.cleaned_data.get("psbt_file")
        if not upload:
            return b""
        if upload.size > MAX_PSBT_UPLOAD:
            raise forms.ValidationError("That file is too large for a PSBT.")
        data: bytes = upload.read()
        # Some wallets save the base64 text rather than the binary form; accept both.
        if not data.startswith(b"psbt\xff"):
            try:
                return data.decode("ascii").strip().encode()
            except UnicodeDecodeError as exc:
                raise forms.ValidationError("That file is not a PSBT.") from exc
        return data


class DisputeForm(StyledForm):
    reason = forms.CharField(min_length=10, max_length=4000, label="What went wrong?",
                             widget=forms.Textarea(attrs={"rows": 4}))


class MessageForm(StyledForm):
    text = forms.CharField(max_length=4000, label="Message",
                           widget=forms.Textarea(attrs={"rows": 3}))
    evidence = forms.FileField(required=False, label="Photo (optional)",
                               help_text="JPEG, PNG, WebP or GIF; re-encoded, metadata removed. "
                                         "Only the buyer, the seller and the arbiter see it.")


class ResolveForm(StyledForm):
    buyer_percent = forms.IntegerField(min_value=0, max_value=100, label="To the buyer (%)",
                                       help_text="The rest goes to the seller.")
    note = forms.CharField(min_length=3, max_length=4000, label="Decision, for both parties",
                           widget=forms.Textarea(attrs={"rows": 3}))
