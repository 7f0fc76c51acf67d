"""Channel adapters (Telegram, WhatsApp, web chat, terminal): translate to `Inbound`, send one reply."""
