"""Hand-off to people: the call centre calendar, working hours, SLAs and the ticket lifecycle."""
