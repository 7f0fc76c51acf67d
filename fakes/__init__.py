"""Loopback test doubles for the Telegram Bot API and the Twilio REST API."""
