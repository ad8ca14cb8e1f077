"""Exchange rates: public price sources, the median of fresh quotes, receipts (snapshots).

Callers (invoices) use :mod:`cryptoshop.rates.actions`: ``current_rate``, ``fiat_to_sats``,
``sats_to_fiat``. See docs/rates.md.
"""
