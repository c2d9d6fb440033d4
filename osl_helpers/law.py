"""The observational scaling law E ≈ h·σ(βᵀS + α) (Eq. 6) and its fit."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.optimize import OptimizeResult, least_squares
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted

from osl_helpers._validation import (
    ConvergenceFailure,
    LengthMismatchError,
    NotEnoughModelsError,
    OSLConvergenceWarning,
    OSLInputError,
    as_score_frame,
    check_target,
)
from osl_helpers.capabilities import CapabilityPCA

__all__ = [
    "ObservationalScalingLaw",
    "SigmoidFit",
    "fit_sigmoid_law",
    "normalize_target",
    "sigmoid",
    "sigmoid_law",
]

FloatArray = NDArray[np.float64]
Link = Literal["sigmoid", "h_sigmoid"]
Loss = Literal["squared", "huber"]
T = TypeVar("T", pd.Series, np.ndarray)  # type: ignore[type-arg]


def sigmoid(z: Any) -> Any:
    """The logistic function σ(z) = 1 / (1 + e^{−z}), computed without overflow."""
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=float)))


def sigmoid_law(S: Any, beta: Any, alpha: float, h: float = 1.0) -> FloatArray:
    """Eq. 6: E = h·σ(βᵀS + α) for capability scores S (models × K)."""
    z = np.asarray(S, dtype=float) @ np.asarray(beta, dtype=float) + alpha
    return np.asarray(h * sigmoid(z), dtype=float)


def normalize_target(y: T, low: float = 0.0, high: float = 1.0, clip: bool = True) -> T:
    """Rescale a raw score to [0, 1] against its chance floor: (y − low) / (high − low).

    Examples: 4-way multiple choice ``low=0.25``; BLEU on 0–100 ``high=100``;
    AgentBench's overall score on 0–10 ``high=10``. With ``clip`` values below
    chance map to 0.
    """
    if not high > low:
        raise OSLInputError(f"high ({high}) must exceed low ({low})")
    out = (y - low) / (high - low)
    if clip:
        out = np.clip(out, 0.0, 1.0)
    return out  # type: ignore[no-any-return]


@dataclass(frozen=True)
class SigmoidFit:
    """Result of :func:`fit_sigmoid_law`: coefficients β, intercept α, ceiling h."""

    coef: FloatArray
    intercept: float
    h: float
    result: OptimizeResult


def _initial_point(Z: FloatArray, y: FloatArray, h0: float) -> FloatArray:
    # Regress logit(y/h0) on Z: exact when the data follow the law without noise.
    p = np.clip(y / h0, 0.02, 0.98)
    logit = np.log(p / (1 - p))
    A = np.column_stack([Z, np.ones(len(y))])
    sol, *_ = np.linalg.lstsq(A, logit, rcond=None)
    return np.asarray(sol, dtype=float)


def fit_sigmoid_law(
    Z: Any,
    y: Any,
    link: Link = "h_sigmoid",
    loss: Loss = "squared",
    huber_delta: float = 1.0,
    h_bounds: tuple[float, float] = (0.8, 1.0),
    max_nfev: int = 2000,
    on_failure: Literal["warn", "raise"] = "warn",
) -> SigmoidFit:
    """Least-squares fit of y ≈ h·σ(Z coef + intercept) on any design matrix Z (Eq. 6).

    ``link="sigmoid"`` fixes h = 1; ``"h_sigmoid"`` bounds h to ``h_bounds``.
    ``loss="huber"`` uses scipy's Huber loss with ``f_scale=huber_delta``. The
    Jacobian is analytic. A fit whose optimiser reports failure warns
    (:class:`OSLConvergenceWarning`) or raises (:class:`ConvergenceFailure`).
    """
    Zm = np.asarray(Z, dtype=float)
    if Zm.ndim == 1:
        Zm = Zm[:, None]
    yv = np.asarray(y, dtype=float)
    n, k = Zm.shape
    if len(yv) != n:
        raise LengthMismatchError(f"Z has {n} rows but y has {len(yv)}")
    free_h = link == "h_sigmoid"
    if link not in ("sigmoid", "h_sigmoid"):
        raise OSLInputError(f"unknown link {link!r}; use 'sigmoid' or 'h_sigmoid'")
    if loss not in ("squared", "huber"):
        raise OSLInputError(f"unknown loss {loss!r}; use 'squared' or 'huber'")
    lo_h, hi_h = h_bounds
    h0 = hi_h if free_h else 1.0
    x0 = _initial_point(Zm, yv, h0)
    A = np.column_stack([Zm, np.ones(n)])

    def unpack(theta: FloatArray) -> tuple[FloatArray, float]:
        return theta[: k + 1], (float(theta[k + 1]) if free_h else 1.0)

    def residuals(theta: FloatArray) -> FloatArray:
        w, h = unpack(theta)
        return np.asarray(h * sigmoid(A @ w) - yv, dtype=float)

    def jacobian(theta: FloatArray) -> FloatArray:
        w, h = unpack(theta)
        s = sigmoid(A @ w)
        J = (h * s * (1 - s))[:, None] * A
        if free_h:
            J = np.column_stack([J, s])
        return np.asarray(J, dtype=float)

    lower = np.full(k + 1, -np.inf)
    upper = np.full(k + 1, np.inf)
    if free_h:
        x0 = np.append(x0, h0 - 1e-6)
        lower, upper = np.append(lower, lo_h), np.append(upper, hi_h)
    bounds = (lower, upper)
    res = least_squares(
        residuals,
        x0,
        jac=jacobian,
        bounds=bounds,
        loss="linear" if loss == "squared" else "huber",
        f_scale=huber_delta,
        max_nfev=max_nfev,
        method="trf",
    )
    if res.status <= 0:
        msg = f"sigmoid-law fit did not converge: {res.message}"
        if on_failure == "raise":
            raise ConvergenceFailure(msg)
        warnings.warn(msg, OSLConvergenceWarning, stacklevel=2)
    w, h = unpack(res.x)
    return SigmoidFit(coef=w[:k].copy(), intercept=float(w[k]), h=float(h), result=res)


class ObservationalScalingLaw(RegressorMixin, BaseEstimator):  # type: ignore[misc]
    """Predict a downstream metric from benchmark scores: E ≈ h·σ(βᵀS + α) (Eq. 6).

    ``fit(X, y)`` fits :class:`~osl_helpers.capabilities.CapabilityPCA` (with
    imputation) on the training models' benchmark scores X, then β, α and h by
    least squares (or Huber) on S. ``predict`` returns Ê on the scale of y
    (targets must be normalised to [0, 1], see :func:`normalize_target`).

    Fitted attributes: ``pca_``, ``beta_`` (Series over "PC-1"..), ``alpha_``,
    ``h_``, ``benchmark_weights_`` (βᵀγ, one weight per benchmark), ``nfev_``,
    ``cost_``, ``n_features_in_``, ``feature_names_in_``.
    ``score`` is scikit-learn's R².
    """

    def __init__(
        self,
        n_components: int = 3,
        link: Link = "h_sigmoid",
        h_bounds: tuple[float, float] = (0.8, 1.0),
        loss: Loss = "squared",
        huber_delta: float = 1.0,
        impute: bool = True,
        impute_components: int = 1,
        target_range: tuple[float, float] = (0.0, 1.0),
        max_nfev: int = 2000,
        on_failure: Literal["warn", "raise"] = "warn",
        score_range: tuple[float, float] | None = (0.0, 1.0),
    ) -> None:
        self.n_components = n_components
        self.link = link
        self.h_bounds = h_bounds
        self.loss = loss
        self.huber_delta = huber_delta
        self.impute = impute
        self.impute_components = impute_components
        self.target_range = target_range
        self.max_nfev = max_nfev
        self.on_failure = on_failure
        self.score_range = score_range

    def fit(self, X: Any, y: Any) -> ObservationalScalingLaw:
        if self.score_range is None:
            df = as_score_frame(X, check_range=False)
        else:
            df = as_score_frame(X, low=self.score_range[0], high=self.score_range[1])
        yv = check_target(y, low=self.target_range[0], high=self.target_range[1])
        if len(yv) != len(df):
            raise LengthMismatchError(f"X has {len(df)} models but y has {len(yv)} values")
        if len(df) < self.n_components + 2:
            raise NotEnoughModelsError(
                f"{len(df)} training models are too few for K = {self.n_components}; "
                f"need at least {self.n_components + 2}"
            )
        self.pca_ = CapabilityPCA(
            n_components=self.n_components,
            impute=self.impute,
            impute_components=self.impute_components,
            score_range=self.score_range,
        ).fit(df)
        S = self.pca_.transform(df).to_numpy()
        fit = fit_sigmoid_law(
            S,
            yv,
            link=self.link,
            loss=self.loss,
            huber_delta=self.huber_delta,
            h_bounds=self.h_bounds,
            max_nfev=self.max_nfev,
            on_failure=self.on_failure,
        )
        names = list(self.pca_.components_.index)
        self.beta_ = pd.Series(fit.coef, index=names, name="beta")
        self.alpha_ = fit.intercept
        self.h_ = fit.h
        self.nfev_ = int(fit.result.nfev)
        self.cost_ = float(fit.result.cost)
        self.benchmark_weights_ = pd.Series(
            fit.coef @ self.pca_.components_.to_numpy(),
            index=self.pca_.components_.columns,
            name="beta^T gamma",
        )
        self.feature_names_in_ = self.pca_.feature_names_in_
        self.n_features_in_ = self.pca_.n_features_in_
        return self

    def capability_score(self, X: Any) -> pd.Series:
        """P = βᵀS + α (Eq. 7), one value per model."""
        check_is_fitted(self, "beta_")
        S = self.pca_.transform(X)
        P = S.to_numpy() @ self.beta_.to_numpy() + self.alpha_
        return pd.Series(P, index=S.index, name="P")

    def predict_from_capability(self, P: Any) -> FloatArray:
        """Ê = h·σ(P) for given scalar capabilities P."""
        return np.asarray(self.h_ * sigmoid(np.asarray(P, dtype=float)), dtype=float)

    def predict(self, X: Any) -> Any:
        P = self.capability_score(X)
        out = self.predict_from_capability(P.to_numpy())
        if isinstance(X, pd.DataFrame):
            return pd.Series(out, index=X.index, name="E_hat")
        return out
