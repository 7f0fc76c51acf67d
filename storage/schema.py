"""Every model module, imported so `Base.metadata` knows every table (Alembic needs it).

A feature that adds a model module adds its import here.
"""
from storage.models import Base  # noqa: F401
import storage.tickets  # noqa: F401,E402  (hand-off: tickets, operators, audit)
import storage.applications  # noqa: F401,E402  (notifications: applications, links)
import storage.outbox  # noqa: F401,E402  (notifications: outbox)
import storage.feedback  # noqa: F401,E402  (CSAT, survey responses and answers)
import storage.link_failures  # noqa: F401,E402  (failed application-linking tries)
import storage.calls  # noqa: F401,E402  (phone calls through Twilio Voice)
import storage.faq_misses  # noqa: F401,E402  (FAQ questions declined or disowned)
import storage.send_leases  # noqa: F401,E402  (Telegram limits shared through PostgreSQL)
