"""Every model module, imported so `Base.metadata` knows every table (Alembic needs it).

A feature that adds a model module adds its import here.
"""
from storage.models import Base  # noqa: F401
