"""Phone calls through Twilio Voice: menu configuration, prompts, the call's rules and use cases.

The channel adapter (bot/channels/voice.py) turns the steps decided here into TwiML.
"""
