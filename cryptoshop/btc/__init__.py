"""Pure Bitcoin layer over embit: amounts, networks, keys and descriptors, addresses,
BIP21, QR, PSBT and 2-of-3 escrow. No Django imports; money is integer satoshis.

Import the submodules directly (``from cryptoshop.btc.amounts import btc_to_sats``); this
package only re-exports the error tree and the start-up check.
"""

from .errors import (
    AddressError,
    AmountError,
    BIP21Error,
    BitcoinError,
    DescriptorError,
    KeyFormatError,
    NetworkError,
    PSBTError,
    SecpError,
    SigningRefused,
)
from .secp import assert_native_secp256k1

__all__ = [
    "AddressError",
    "AmountError",
    "BIP21Error",
    "BitcoinError",
    "DescriptorError",
    "KeyFormatError",
    "NetworkError",
    "PSBTError",
    "SecpError",
    "SigningRefused",
    "assert_native_secp256k1",
]
