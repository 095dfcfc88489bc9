"""A second opinion on whole days: is a day unlike this person's days, taken all together?

The per-time-of-day detectors are the primary alerts (explainable, see REFERENCE.md section 7).
This model looks at one vector per day (activity in five blocks of the day, the longest quiet
spell at home by day, the most places visited within half an hour at night, the share of the day
at home) and scores it under a Gaussian mixture fitted to the household's own days.

* Fitting needs scikit-learn, so :func:`fit_novelty` imports it inside, and the hub runs it in a
  short-lived worker process (``python -m analytics.novelty fit ...``, see :func:`train_in_worker`):
  the always-running hub never imports scikit-learn.
* Scoring is numpy only, from plain numbers this hub saved and signed (``modelstore``).
* The threshold is calibrated on the household's own training scores (their 2nd percentile
  minus a margin), never a library default.
"""
from __future__ import annotations

import argparse
import logging
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from analytics.routine import Routine
from hub.errors import ModelError

log = logging.getLogger(__name__)

FORMAT = "eldercare-novelty"
FEATURES = ("activity_06_10", "activity_10_14", "activity_14_18", "activity_18_22", "activity_22_06",
            "longest_quiet_day_h", "night_places", "share_at_home")
#: days needed before the model says anything
MIN_DAYS = 10
#: log-likelihood margin below the 2nd percentile of the training days
MARGIN = 2.0


def day_features(routine: Routine) -> np.ndarray:
    """One row of :data:`FEATURES` per day of the routine (NaN where the day's night is unknown)."""
    a = routine.activity.astype(float)
    if a.shape[0] == 0:
        return np.zeros((0, len(FEATURES)))
    blocks = np.stack([a[:, 3], a[:, 7] - a[:, 3], a[:, 11] - a[:, 7], a[:, 15] - a[:, 11], a[:, 23] - a[:, 15]], 1)
    quiet_day = routine.quiet[:, 8 * 12:22 * 12].max(axis=1) / 60.0
    night = routine.night[:, : 5 * 12].max(axis=1)
    home = routine.home.mean(axis=1)
    return np.column_stack([np.log1p(np.maximum(blocks, 0)), quiet_day, night, home])


@dataclass
class NoveltyModel:
    """A diagonal Gaussian mixture over standardised day features, with its calibrated threshold."""

    center: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    means: np.ndarray
    variances: np.ndarray
    threshold: float
    n_train: int

    def score(self, x: np.ndarray) -> np.ndarray:
        """Log-likelihood of each row of ``x`` (higher is more ordinary)."""
        z = (np.atleast_2d(x) - self.center) / self.scale
        diff = z[:, None, :] - self.means[None, :, :]
        log_comp = -0.5 * (np.sum(diff ** 2 / self.variances, axis=2)
                           + np.sum(np.log(2 * np.pi * self.variances), axis=1)) + np.log(self.weights)
        top = log_comp.max(axis=1, keepdims=True)
        return (top + np.log(np.exp(log_comp - top).sum(axis=1, keepdims=True))).ravel()

    def unusual(self, x: np.ndarray) -> np.ndarray:
        """True for rows scoring below the household's calibrated threshold."""
        return self.score(x) < self.threshold

    def to_payload(self) -> dict:
        """Plain numbers, for :func:`analytics.modelstore.save_signed`."""
        return {"features": list(FEATURES), "center": self.center.tolist(), "scale": self.scale.tolist(),
                "weights": self.weights.tolist(), "means": self.means.tolist(),
                "variances": self.variances.tolist(), "threshold": self.threshold, "n_train": self.n_train}

    @classmethod
    def from_payload(cls, p: dict) -> NoveltyModel:
        """Rebuild from :meth:`to_payload` output."""
        if p.get("features") != list(FEATURES):
            raise ModelError("novelty model was saved with other features; retrain")
        return cls(np.asarray(p["center"]), np.asarray(p["scale"]), np.asarray(p["weights"]),
                   np.asarray(p["means"]), np.asarray(p["variances"]), float(p["threshold"]), int(p["n_train"]))


def fit_novelty(x: np.ndarray, seed: int = 0) -> NoveltyModel:
    """Fit the mixture to the household's days (training code only: imports scikit-learn)."""
    from sklearn.mixture import GaussianMixture

    x = x[~np.isnan(x).any(axis=1)]
    if x.shape[0] < MIN_DAYS:
        raise ModelError(f"novelty model needs {MIN_DAYS} days, have {x.shape[0]}")
    center = x.mean(axis=0)
    scale = np.maximum(x.std(axis=0), 0.1)
    z = (x - center) / scale
    k = 1 if x.shape[0] < 28 else 2
    gm = GaussianMixture(n_components=k, covariance_type="diag", reg_covar=0.05, random_state=seed).fit(z)
    model = NoveltyModel(center, scale, gm.weights_, gm.means_, gm.covariances_, 0.0, int(x.shape[0]))
    train = model.score(x)
    model.threshold = float(np.quantile(train, 0.02) - MARGIN)
    return model


def novelty_path(model_dir: str | Path, household: str) -> Path:
    """Where a household's novelty model lives."""
    from analytics.modelstore import routine_path

    return routine_path(model_dir, household).with_name(routine_path(model_dir, household).name.replace(
        "routine-", "novelty-"))


def save_novelty(model: NoveltyModel, model_dir: str | Path, household: str) -> Path:
    """Save signed, like the routine."""
    from analytics.modelstore import save_signed

    return save_signed(model.to_payload(), novelty_path(model_dir, household), model_dir, FORMAT)


def load_novelty(model_dir: str | Path, household: str) -> NoveltyModel:
    """Load a novelty model this hub saved (refuses anything else)."""
    from analytics.modelstore import load_signed

    return NoveltyModel.from_payload(load_signed(novelty_path(model_dir, household), model_dir, FORMAT))


def train_in_worker(model_dir: str | Path, household: str, timeout: float = 300) -> Path:
    """Fit and save the novelty model in a short-lived process (scikit-learn stays out of the hub)."""
    cmd = [sys.executable, "-m", "analytics.novelty", "--model-dir", str(model_dir), "--household", household]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        raise ModelError(f"novelty training failed: {p.stderr.strip()[-500:]}")
    return novelty_path(model_dir, household)


def main(argv: list[str] | None = None) -> int:
    """Worker entry point: fit the novelty model from the saved routine of one household."""
    from analytics.modelstore import load_routine, routine_path

    ap = argparse.ArgumentParser(description="fit the novelty model from a saved routine")
    ap.add_argument("--model-dir", required=True)
    ap.add_argument("--household", required=True)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    try:
        routine = load_routine(routine_path(a.model_dir, a.household), a.model_dir)
        model = fit_novelty(day_features(routine), a.seed)
        path = save_novelty(model, a.model_dir, a.household)
    except ModelError as err:
        print(f"novelty: {err}", file=sys.stderr)
        return 2
    print(f"novelty model for {a.household}: {model.n_train} days, threshold {model.threshold:.2f} -> {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
