"""Start-up check: embit must run on its bundled native libsecp256k1.

embit tries ctypes bindings to the libsecp256k1 it ships and *silently* falls back to a
pure-Python implementation that is ~12x slower and not constant-time (a side channel
for the marketplace's cosigner key). We refuse to run on the fallback.
"""

from __future__ import annotations

import importlib

from .errors import SecpError

_NATIVE_MODULE = "embit.util.ctypes_secp256k1"


def secp256k1_backend() -> str:
    """Name of the module embit's secp256k1 functions come from."""
    secp = importlib.import_module("embit.util.secp256k1")
    return str(secp.ec_pubkey_create.__module__)


def assert_native_secp256k1() -> None:
    """Raise :class:`SecpError` unless embit's EC operations use native libsecp256k1."""
    backend = secp256k1_backend()
    if backend != _NATIVE_MODULE:
        raise SecpError(
            "embit is using its pure-Python secp256k1 fallback "
            f"({backend}); it is slow and not constant-time. Install an embit wheel "
            "that bundles libsecp256k1 for this platform, or a system libsecp256k1."
        )
    native = importlib.import_module(_NATIVE_MODULE)
    # A context handle proves the shared library really loaded and initialised.
    if getattr(native, "_secp", None) is None:  # pragma: no cover - defensive
        raise SecpError("embit's ctypes secp256k1 module has no library context")
