"""The caseworkers' Flask panel, the Twilio webhooks and a small JSON API."""
