"""Chain access behind one interface: ``ChainBackend`` with Bitcoin Core-compatible
JSON-RPC (bitcoind, btcd) and Esplora REST implementations, plus the regtest harness.

Everything but ``apps`` and the management command is plain Python (no Django)."""
