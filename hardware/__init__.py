"""The device edge: GPIO sensors, MQTT payload decoders and the simulated household."""
