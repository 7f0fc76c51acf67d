"""Satisfaction polls and stage surveys: CSAT after consultations, `config/surveys.yaml`, poll texts.

Polls go out through the notifications outbox (storage.outbox), never directly.
"""
