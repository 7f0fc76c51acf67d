"""SECRET_KEY when none is set: generated once into the data directory, readable by the owner only.

The quick start (`./dev run`) needs no setup, and yet no two installations share a key: the
key is what makes the stored IIN hashes useless to whoever copies the database.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.settings import Settings

KEY_FILE = "secret_key"


def data_directory(database_url: str) -> Path:
    """The SQLite file's folder, or ./data for PostgreSQL."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).resolve().parent
    return Path("data").resolve()


def secret_key(settings: Settings) -> bytes:
    """SECRET_KEY, or the generated one in <data dir>/secret_key (created 0600 on first use)."""
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value().encode()
    path = data_directory(settings.database_url) / KEY_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_text(encoding="ascii").strip()
        if len(key) < 32:
            raise RuntimeError(f"{path} holds no usable key: delete it or set SECRET_KEY") from None
        return key.encode()
    key = secrets.token_urlsafe(48)
    with os.fdopen(descriptor, "w", encoding="ascii") as file:
        file.write(key + "\n")
    return key.encode()
