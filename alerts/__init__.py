"""Alert lifecycle: routing, escalation, channels (Twilio SMS, console), outbox and acknowledgement."""
