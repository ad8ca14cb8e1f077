"""Backups that restore: one encrypted archive of the database, the media and the secrets
(`manage.py backup`), brought up on a fresh checkout by `manage.py restore`. See
docs/operations.md "Backups".

stream.py   the encryption (scrypt + AES-256-GCM in authenticated chunks), no Django
archive.py  the tar inside it and the manifest with every file's SHA-256, no Django
database.py SQLite online backup / pg_dump out, and back in
secrets.py  the secrets the shop runs with, out of and back into var/secrets.json
create.py   the backup;  restore.py  the restore, in an order that never half-restores
"""
