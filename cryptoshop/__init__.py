"""CryptoShop: a self-hostable, privacy-first, multi-vendor marketplace that takes real Bitcoin."""

__version__ = "0.1.0"
