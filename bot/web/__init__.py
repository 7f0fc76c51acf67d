"""The HTTP side: webhooks, the web chat page, the operator console."""
