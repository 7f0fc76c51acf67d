"""Applications, status notifications, reminders and their durable outbox (issue 6).

Public service functions (for the console and reports):

* `bot.notify.importer.import_applications(db, path_or_bytes, filename, dry_run)` → `ImportReport`
* `bot.notify.report.delivery_report(db, batch_id=None)` → `DeliveryReport` (per batch counts,
  rows needing a WhatsApp template, applications without a linked contact)
* `bot.notify.report.unlinked_applications(db)` → int
"""
