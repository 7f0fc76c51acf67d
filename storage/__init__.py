"""The consultation journal and bot state: SQLAlchemy models, repositories, migrations."""
