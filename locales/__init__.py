"""Every text the bot says, as gettext catalogues: `<lang>/LC_MESSAGES/<feature>.po` (kk, ru, en).

Ships inside the package as `core.locales`; core.i18n reads the `.po` files with Babel.
"""
