"""The leaf everyone may import: message types, the delivery port, i18n, privacy masking, IIN,
the configuration loader (`config.py`) and the programme file.

Imports nothing of ours.
"""
