"""Notification test helpers: the shared seeding in `fakes.applications`, with the tests' translator."""
from __future__ import annotations

from fakes import applications
from fakes.applications import csv_bytes, seed_linked, status_rows
from tests.conftest import translator

__all__ = ["csv_bytes", "run_import", "seed_linked", "status_rows"]


async def run_import(db, rows, **kw):
    return await applications.run_import(db, rows, translator=translator(), **kw)
