"""The hub runtime: events, configuration, storage, MQTT, scheduling and the composition root."""
