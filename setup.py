"""Packaging that pyproject.toml cannot say by itself (everything else is there).

`config/` (the default configuration) and `locales/` (the gettext catalogues) stay top-level
folders in the source, where editors expect them, and ship inside the package as
`core.defaults` and `core.locales`; core.config finds them with importlib.resources, in a
checkout and in an installed wheel alike. A deployment overrides the defaults with CONFIG_DIR.
"""
from setuptools import find_namespace_packages, setup

CODE = ["bot", "core", "handlers", "faq", "eligibility", "handoff", "notify", "feedback", "reports", "storage",
        "voice"]
DATA = {"core.defaults": "config", "core.locales": "locales"}

setup(
    packages=find_namespace_packages(include=[pattern for name in CODE for pattern in (name, f"{name}.*")])
    + list(DATA),
    package_dir=DATA,  # the files each ships: [tool.setuptools.package-data] in pyproject.toml
)
