"""Applications and what we tell applicants about them: import, status texts, the outbox rows
for status news, scheduled reminders, delivery reports. Sending itself is `bot/delivery`.
"""
