"""Tests of the analytics package: routine, detectors, engine, replay, models, jobs."""
