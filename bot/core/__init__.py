"""Channel-neutral core: message types, i18n, programme configuration."""
