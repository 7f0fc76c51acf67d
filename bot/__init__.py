"""The shell of ZhasBot: it builds and runs everything, and nothing imports it.

Owns start-up wiring (`app.py`), settings and the configuration read at start, the `zhasbot`
CLI (`cli/`), channel adapters (`channels/`), the one outbound path (`delivery/`), the
conversation engine, the HTTP server (`web/`) and the operator console (`console/`).
"""
