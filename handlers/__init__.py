"""Conversation flows. Channel-neutral: they never import aiogram or twilio, never write SQL."""
