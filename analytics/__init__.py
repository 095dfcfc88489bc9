"""Pure computation: summaries, the learned routine, detectors, explanations and replay."""
