"""What tests and benchmarks share: loopback Telegram Bot API and Twilio servers, signed
webhooks, seeded applications. The product never imports it (.importlinter)."""
