"""Pure computation: summaries, the learned routine, detectors, explanations and replay.

Wiring (the live hub and ``eldercare replay`` run the same engine; only the clock differs)::

    routine = load_routine(routine_path(model_dir, hh), model_dir)   # or learn(store events, hh)
    engine = Engine(routine, clock, household=hh, name="Mrs Smith")
    engine.prime(*hub.detection.recent_for(store, hh, now))          # current quiet spell, today,
                                                                     # each sensor's last word
    alerts = engine.on_event(event)      # after each committed event
    alerts = engine.tick()               # every DetectionConfig.tick_seconds
    engine.use_routine(jobs.retrain(store, clock, model_dir, hh))    # nightly

scikit-learn is imported only by ``analytics.novelty.fit_novelty``, run in a worker process.
"""
