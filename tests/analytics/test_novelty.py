"""The day-level novelty model: calibrated on the household, scored without scikit-learn."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from analytics.modelstore import save_routine
from analytics.novelty import day_features, fit_novelty, load_novelty, novelty_path, train_in_worker
from analytics.routine import learn
from hub.errors import ModelError
from tests.analytics import homes


def test_ordinary_days_pass_and_a_silent_day_is_unusual(routine):
    x = day_features(routine)[:-1]  # the last day's night is after the history
    model = fit_novelty(x, seed=0)
    assert model.unusual(x).sum() == 0  # no training day below the calibrated threshold
    quiet = x[0].copy()
    quiet[:5] = 0.0  # no activity at all
    quiet[5] = 14.0  # quiet all day
    assert model.unusual(quiet)[0]


def test_numpy_score_matches_scikit_learn(routine):
    from sklearn.mixture import GaussianMixture

    x = day_features(routine)[:-1]
    model = fit_novelty(x, seed=0)
    gm = GaussianMixture(1, covariance_type="diag", reg_covar=0.05, random_state=0)
    gm.fit((x - model.center) / model.scale)
    np.testing.assert_allclose(model.score(x), gm.score_samples((x - model.center) / model.scale), rtol=1e-6)


def test_too_few_days_is_refused():
    with pytest.raises(ModelError, match="needs"):
        fit_novelty(day_features(learn(homes.history(5))))


def test_worker_trains_and_hub_loads_without_sklearn(routine, tmp_path):
    save_routine(routine, tmp_path)
    path = train_in_worker(tmp_path, routine.household)
    assert path == novelty_path(tmp_path, routine.household) and path.exists()
    code = ("import sys; from analytics.novelty import load_novelty, day_features; "
            "from analytics.modelstore import load_routine, routine_path; "
            f"m = load_novelty({str(tmp_path)!r}, 'test-home'); "
            f"r = load_routine(routine_path({str(tmp_path)!r}, 'test-home')); "
            "print(int(m.unusual(day_features(r)[:-1]).sum()), 'sklearn' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.split() == ["0", "False"], out.stderr
    assert load_novelty(tmp_path, "test-home").n_train == routine.n_days - 1
