"""The core leaf: channel-neutral message types, the delivery port, i18n, privacy masking, IIN, programme config.

Imports nothing of ours."""
