"""One exception tree for the Bitcoin layer.

Every parser and builder in ``cryptoshop.btc`` (and the chain backends) raises a
subclass of :class:`BitcoinError` for bad input, never a bare ``ValueError`` or an
embit-internal exception, so callers can show a clear message with one ``except``.
"""

from __future__ import annotations


class BitcoinError(Exception):
    """Base of every error raised by the Bitcoin layer."""


class AmountError(BitcoinError):
    """An amount is malformed, negative, too precise or above the 21M BTC supply."""


class NetworkError(BitcoinError):
    """An unknown network, or a key/address/descriptor meant for another network."""


class KeyFormatError(BitcoinError):
    """An extended key or key string is malformed."""


class DescriptorError(BitcoinError):
    """An output descriptor is malformed, has a bad checksum or an unsupported shape."""


class AddressError(BitcoinError):
    """An address is malformed or not valid on the expected network."""


class BIP21Error(BitcoinError):
    """A ``bitcoin:`` URI is malformed or carries an unknown required parameter."""


class PSBTError(BitcoinError):
    """A PSBT is malformed, incomplete or cannot be finalised."""


class SigningRefused(PSBTError):
    """A PSBT did not match what we expected to sign, so no signature was made."""


class SecpError(BitcoinError):
    """embit is not running on the native libsecp256k1 (slow, not constant-time)."""
