"""The one outbound path: proactive sends, the notifications outbox sender, rate limits, leader election."""
