"""The observational scaling law of Eq. 6 and its fit.

Ruan, Maddison & Hashimoto (2024) relate a downstream metric of a model to its
principal capabilities S (Eq. 5) through a sigmoid, E ≈ h·σ(βᵀS + α) with
h ∈ [0.8, 1] (Eq. 6), where E is the normalised downstream *error*. Every
table of this book, like the authors' code, works on the accuracy scale
(higher is better); there Eq. 6 reads

    Ê = (1 − h) + h·σ(βᵀS + α),

a floor of 1 − h (e.g. a task that keeps a little accuracy by luck of the
format) and a ceiling of 1. The authors' code writes the same curve as
(1 − b)·σ(z) + b with b = 1 − h ∈ [0, 0.2]. P = βᵀS + α is a single scalar
capability (Eq. 7) that can be mapped to equivalent compute (Eq. 8, see
:mod:`osl_helpers.compute`).

The three links (:data:`Link`):

* ``"h_sigmoid"`` — the paper's Eq. 6 on the accuracy scale (the default);
* ``"sigmoid"`` — h fixed at 1: Ê = σ(βᵀS + α);
* ``"capped_sigmoid"`` — Ê = h·σ(βᵀS + α), a ceiling h *below* 1 on accuracy.
  This is **not** the paper's law (it reads Eq. 6 on the wrong scale and
  forbids any prediction above h); it is kept so that the book can show why
  the distinction matters.
"""

from __future__ import annotations

import warnings
from typing import Any, Literal, NamedTuple, TypeVar

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
    as_float_array,
    as_score_frame,
    check_aligned,
    check_int,
    check_number,
    check_range_pair,
    check_target,
    numeric_column,
)
from osl_helpers.capabilities import CapabilityPCA

__all__ = [
    "TARGET_RANGE",
    "Link",
    "Loss",
    "ObservationalScalingLaw",
    "SigmoidFit",
    "fit_sigmoid_law",
    "link_function",
    "normalize_target",
    "sigmoid",
    "sigmoid_law",
    "sigmoid_law_jacobian",
]

FloatArray = NDArray[np.float64]
Link = Literal["sigmoid", "h_sigmoid", "capped_sigmoid"]
Loss = Literal["squared", "huber"]
OnFailure = Literal["warn", "raise"]
T = TypeVar("T", pd.Series, np.ndarray)  # type: ignore[type-arg]

_LINKS = ("sigmoid", "h_sigmoid", "capped_sigmoid")

#: Range a min-max normalised target may take. Below 0 is allowed: a model that
#: scores below chance gets a negative target, which is noise around the chance
#: floor and is kept for the fit, as in the authors' code (−1 is a raw score of 0
#: on a task with chance 0.5). Above 1 is not: that is a scale error.
TARGET_RANGE: tuple[float, float] = (-1.0, 1.0)
_LOSSES = ("squared", "huber")
_ON_FAILURE = ("warn", "raise")


def sigmoid(z: Any) -> Any:
    """The logistic function σ(z) = 1 / (1 + e^{−z}), computed without overflow."""
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=float)))


def link_function(z: Any, h: float = 1.0, link: Link = "h_sigmoid") -> FloatArray:
    """Ê as a function of the scalar capability z = P = βᵀS + α (Eq. 6, Eq. 7).

    ``"h_sigmoid"``: (1 − h) + h·σ(z), the paper's Eq. 6 on the accuracy
    scale; ``"sigmoid"``: σ(z) (h is ignored); ``"capped_sigmoid"``: h·σ(z).
    """
    s = sigmoid(z)
    if link == "sigmoid":
        return np.asarray(s, dtype=float)
    if link == "h_sigmoid":
        return np.asarray((1.0 - h) + h * s, dtype=float)
    if link == "capped_sigmoid":
        return np.asarray(h * s, dtype=float)
    raise OSLInputError(f"unknown link {link!r}; use one of {_LINKS}")


def sigmoid_law(
    S: Any, beta: Any, alpha: float, h: float = 1.0, link: Link = "h_sigmoid"
) -> FloatArray:
    """Eq. 6 for capability scores S (models × K): Ê = (1 − h) + h·σ(βᵀS + α) by default.

    See :func:`link_function` for the other links; with h = 1 all three agree.
    """
    Sm, b = as_float_array(S, "S"), as_float_array(beta, "beta")
    if Sm.ndim == 2 and b.ndim == 1 and Sm.shape[1] != b.shape[0]:
        raise LengthMismatchError(
            f"S has {Sm.shape[1]} capability column(s) but beta has {b.shape[0]} coefficient(s)"
        )
    return link_function(Sm @ b + alpha, h, link)


def sigmoid_law_jacobian(
    S: Any,
    beta: Any,
    alpha: float,
    h: float = 1.0,
    free_h: bool = True,
    link: Link = "h_sigmoid",
) -> FloatArray:
    """Analytic Jacobian of Eq. 6 with respect to (β, α[, h]).

    With σ = σ(βᵀS + α): ∂Ê/∂β = h σ(1 − σ) S and ∂Ê/∂α = h σ(1 − σ) for both
    free-h links; ∂Ê/∂h = σ − 1 for ``"h_sigmoid"`` (raising h lowers the
    floor 1 − h) and σ for ``"capped_sigmoid"``. Returns an array models ×
    (K + 1), plus one column for h if ``free_h``.
    """
    Sm = np.asarray(S, dtype=float)
    if Sm.ndim == 1:
        Sm = Sm[:, None]
    s = sigmoid(Sm @ np.asarray(beta, dtype=float) + alpha)
    scale = 1.0 if link == "sigmoid" else h
    slope = scale * s * (1.0 - s)
    cols = [slope[:, None] * Sm, slope[:, None]]
    if free_h:
        cols.append((s - 1.0 if link == "h_sigmoid" else s)[:, None])
    return np.asarray(np.hstack(cols), dtype=float)


def normalize_target(y: T, low: float = 0.0, high: float = 1.0, clip: bool = False) -> T:
    """Min-max rescale a raw score against its floor and ceiling: (y − low) / (high − low).

    ``low`` is the score of random guessing, e.g. 0.25 for 4-way multiple
    choice (so chance maps to 0); ``high`` the best possible score, e.g. 100
    for BLEU or 10 for a 0–10 rating. A model below chance gets a negative
    value, which is kept by default: it is noise around the chance floor, and
    the authors fit it as it is (clipping it to 0 biases the fit upwards). With
    ``clip`` the result is clipped to [0, 1]. Returns the same type as ``y``
    (a Series keeps its index).
    """
    low = check_number("low", low, example="0.25")
    high = check_number("high", high, example="1.0")
    if not high > low:
        raise OSLInputError(f"high ({high}) must exceed low ({low})")
    if isinstance(y, pd.Series):
        y = numeric_column(y.to_frame(), y.name if y.name is not None else 0, "y")  # type: ignore[assignment]
    else:
        y = as_float_array(y, "y")  # type: ignore[assignment]
    out = (y - low) / (high - low)
    if clip:
        out = np.clip(out, 0.0, 1.0)
    return out  # type: ignore[no-any-return]


class SigmoidFit(NamedTuple):
    """Result of :func:`fit_sigmoid_law`: β (``beta``), α (``alpha``), h, and scipy's result.

    The fields are named like the fitted attributes of :class:`ObservationalScalingLaw`
    (``beta_``, ``alpha_``, ``h_``). A tuple, so ``beta, alpha, h, result =
    fit_sigmoid_law(...)`` works too.
    """

    beta: FloatArray
    alpha: float
    h: float
    result: OptimizeResult


def _check_options(
    link: str, loss: str, huber_delta: float, h_bounds: tuple[float, float], on_failure: str
) -> tuple[float, float]:
    if link not in _LINKS:
        raise OSLInputError(f"unknown link {link!r}; use one of {_LINKS}")
    if loss not in _LOSSES:
        raise OSLInputError(f"unknown loss {loss!r}; use one of {_LOSSES}")
    if on_failure not in _ON_FAILURE:
        raise OSLInputError(f"unknown on_failure {on_failure!r}; use one of {_ON_FAILURE}")
    if not (np.isfinite(huber_delta) and huber_delta > 0):
        raise OSLInputError(f"huber_delta must be a positive number; got {huber_delta!r}")
    try:
        lo, hi = (float(b) for b in h_bounds)
    except (TypeError, ValueError) as err:
        raise OSLInputError(f"h_bounds must be a pair (low, high); got {h_bounds!r}") from err
    if not (np.isfinite(lo) and np.isfinite(hi) and 0 < lo <= hi):
        raise OSLInputError(f"h_bounds must satisfy 0 < low ≤ high; got {h_bounds!r}")
    return lo, hi


def _initial_point(Z: FloatArray, y: FloatArray, h0: float, link: str) -> FloatArray:
    # Regress the logit of σ solved from the link on Z: exact for noise-free data.
    sig = (y - (1.0 - h0)) / h0 if link == "h_sigmoid" else y / h0
    p = np.clip(sig, 0.02, 0.98)
    A = np.column_stack([Z, np.ones(len(y))])
    sol, *_ = np.linalg.lstsq(A, np.log(p / (1 - p)), rcond=None)
    return np.asarray(sol, dtype=float)


def fit_sigmoid_law(
    Z: Any,
    y: Any,
    link: Link = "h_sigmoid",
    loss: Loss = "squared",
    huber_delta: float = 1.0,
    h_bounds: tuple[float, float] = (0.8, 1.0),
    max_nfev: int = 2000,
    on_failure: OnFailure = "warn",
) -> SigmoidFit:
    """Fit y ≈ (1 − h) + h·σ(Z·β + α) on any design matrix Z (Eq. 6).

    ``Z`` is models × K (e.g. the capabilities S, or one column of log-FLOPs
    for a compute baseline); a 1-D ``Z`` is one predictor. ``link="h_sigmoid"``
    (the paper's Eq. 6 on accuracy) fits h within ``h_bounds`` (the paper's
    [0.8, 1]; equal bounds fix h there); ``"sigmoid"`` fixes h = 1;
    ``"capped_sigmoid"`` fits Ê = h·σ instead (see the module docstring).
    ``loss="huber"`` minimises Σ Huber_δ(residual) with δ = ``huber_delta``
    (scipy's Huber loss with ``f_scale=δ``, the same function as the authors'
    code); ``"squared"`` plain least squares.

    The optimiser is :func:`scipy.optimize.least_squares` (trust-region
    reflective) with the analytic Jacobian of :func:`sigmoid_law_jacobian`,
    started from a linear regression of logit(y/h) on Z. If it reports
    failure (status ≤ 0, e.g. ``max_nfev`` reached), it warns
    (:class:`OSLConvergenceWarning`) or raises (:class:`ConvergenceFailure`)
    according to ``on_failure``.
    """
    lo_h, hi_h = _check_options(link, loss, huber_delta, h_bounds, on_failure)
    max_nfev = check_int("max_nfev", max_nfev, 1)
    try:
        Zm = np.asarray(Z, dtype=float)
    except (TypeError, ValueError) as err:  # ragged lists, text
        raise OSLInputError(
            f"Z cannot be read as a numeric matrix (models × K) ({err}); pass numbers only"
        ) from err
    if Zm.ndim == 1:
        Zm = Zm[:, None]
    if Zm.ndim != 2:
        raise OSLInputError(f"Z must be 1-D or 2-D; got shape {Zm.shape}")
    check_aligned(Z, y, ("Z", "y"))
    try:
        yv = np.asarray(y, dtype=float).reshape(-1)
    except (TypeError, ValueError) as err:
        raise OSLInputError(f"y cannot be read as one number per model ({err})") from err
    n, k = Zm.shape
    if len(yv) != n:
        raise LengthMismatchError(f"Z has {n} rows but y has {len(yv)} values")
    if not np.isfinite(Zm).all():
        raise OSLInputError("Z contains NaN or infinite values; impute or drop those models")
    if not np.isfinite(yv).all():
        raise OSLInputError("y contains NaN or infinite values; drop those models")
    if link == "sigmoid":
        free_h, h_fixed = False, 1.0
    else:
        free_h, h_fixed = lo_h < hi_h, lo_h
    # β and α are unbounded, so they need at least k + 1 models; h is held by its bounds.
    if n < k + 1:
        raise NotEnoughModelsError(
            f"{n} models are too few to fit {k} coefficient(s) and an intercept"
        )

    h0 = hi_h if free_h else h_fixed
    x0 = _initial_point(Zm, yv, h0, link)
    lower, upper = np.full(k + 1, -np.inf), np.full(k + 1, np.inf)
    if free_h:
        # Start just inside the upper bound; trf needs a strictly feasible point.
        x0 = np.append(x0, hi_h - 1e-6 * (hi_h - lo_h))
        lower, upper = np.append(lower, lo_h), np.append(upper, hi_h)

    def split(theta: FloatArray) -> tuple[FloatArray, float, float]:
        return theta[:k], float(theta[k]), (float(theta[k + 1]) if free_h else h_fixed)

    def residuals(theta: FloatArray) -> FloatArray:
        return np.asarray(sigmoid_law(Zm, *split(theta), link=link) - yv, dtype=float)

    def jacobian(theta: FloatArray) -> FloatArray:
        return sigmoid_law_jacobian(Zm, *split(theta), free_h=free_h, link=link)

    res = least_squares(
        residuals,
        x0,
        jac=jacobian,
        bounds=(lower, upper),
        loss="linear" if loss == "squared" else "huber",
        f_scale=huber_delta,
        max_nfev=max_nfev,
        method="trf",
    )
    if res.status <= 0:
        msg = f"sigmoid-law fit did not converge after {res.nfev} evaluations: {res.message}"
        if on_failure == "raise":
            raise ConvergenceFailure(msg)
        warnings.warn(msg, OSLConvergenceWarning, stacklevel=2)
    beta, alpha, h = split(np.asarray(res.x, dtype=float))
    return SigmoidFit(beta=beta.copy(), alpha=alpha, h=h, result=res)


def sigmoid_fit_options(estimator: Any) -> dict[str, Any]:
    """The options of :func:`fit_sigmoid_law` an estimator holds as its own parameters
    (``link``, ``loss``, ``huber_delta``, ``h_bounds``, ``max_nfev``, ``on_failure``)."""
    names = ("link", "loss", "huber_delta", "h_bounds", "max_nfev", "on_failure")
    return {name: getattr(estimator, name) for name in names}


class ObservationalScalingLaw(RegressorMixin, BaseEstimator):  # type: ignore[misc]
    """Predict a downstream metric from benchmark scores by Eq. 6.

    ``fit(X, y)`` fits :class:`~osl_helpers.capabilities.CapabilityPCA`
    (imputation, then K = ``n_components`` capabilities S) on the training
    models' benchmark scores X only, then β, α and h by
    :func:`fit_sigmoid_law` on S. ``predict`` returns Ê on the scale of y:
    with the default ``link="h_sigmoid"`` that is the paper's Eq. 6 read on
    accuracy, Ê = (1 − h) + h·σ(βᵀS + α) with h ∈ ``h_bounds`` (the paper's
    [0.8, 1]); ``link="sigmoid"`` fixes h = 1; ``"capped_sigmoid"`` is the
    pitfall Ê = h·σ (module docstring). Targets are min-max normalised scores
    (:func:`normalize_target`) in ``target_range`` (default
    :data:`TARGET_RANGE`, [−1, 1]: below-chance models are negative and kept;
    percentages raise :class:`~osl_helpers._validation.PercentScaleError`).
    ``loss="huber"`` down-weights outlying models (``huber_delta`` is the
    residual size at which the loss turns linear).

    Fitted attributes: ``pca_`` (the CapabilityPCA), ``beta_`` (β, Series
    over "PC-1"..), ``alpha_`` (α), ``h_`` (h), ``benchmark_weights_``
    (βᵀγ: one weight per benchmark, Series), ``nfev_`` and ``n_iter_``
    (function evaluations of the optimiser), ``cost_`` (its final cost),
    ``converged_``, ``n_features_in_``, ``feature_names_in_``.

    ``score(X, y)`` is scikit-learn's coefficient of determination R² of the
    predictions. scikit-learn's generic estimator checks pass except those
    listed, with reasons, in ``tests/test_law.py`` (sparse and object input,
    our wording of errors, and a bounded sigmoid cannot fit unbounded linear
    targets).
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
        target_range: tuple[float, float] = TARGET_RANGE,
        max_nfev: int = 2000,
        on_failure: OnFailure = "warn",
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

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = bool(self.impute)
        return tags

    def fit(self, X: Any, y: Any) -> ObservationalScalingLaw:
        """Fit capabilities S on X, then (β, α, h) of Eq. 6 on (S, y). Returns self."""
        _check_options(self.link, self.loss, self.huber_delta, self.h_bounds, self.on_failure)
        k = check_int("n_components", self.n_components, 1)
        if y is None:
            raise OSLInputError(
                "ObservationalScalingLaw.fit needs y, the downstream metric of each model"
            )
        if self.score_range is None:
            df = as_score_frame(X, check_range=False)
        else:
            low, high = check_range_pair("score_range", self.score_range)
            df = as_score_frame(X, low=low, high=high)
        t_low, t_high = check_range_pair("target_range", self.target_range)
        yv = check_target(y, low=t_low, high=t_high)
        if len(yv) != len(df):
            raise LengthMismatchError(f"X has {len(df)} models but y has {len(yv)} values")
        check_aligned(X, y)
        if len(df) < k + 2:
            raise NotEnoughModelsError(
                f"{len(df)} training models are too few for K = {k}; need at least {k + 2}"
            )
        self.pca_ = CapabilityPCA(
            n_components=k,
            impute=self.impute,
            impute_components=self.impute_components,
            score_range=self.score_range,
        )
        S = self.pca_.fit_transform(df).to_numpy()
        fit = fit_sigmoid_law(S, yv, **sigmoid_fit_options(self))
        names = list(self.pca_.components_.index)
        self.beta_ = pd.Series(fit.beta, index=names, name="beta")
        self.alpha_ = fit.alpha
        self.h_ = fit.h
        self.nfev_ = int(fit.result.nfev)
        self.n_iter_ = self.nfev_
        self.cost_ = float(fit.result.cost)
        self.converged_ = bool(fit.result.status > 0)
        self.benchmark_weights_ = pd.Series(
            fit.beta @ self.pca_.components_.to_numpy(),
            index=self.pca_.components_.columns,
            name="beta^T gamma",
        )
        self.feature_names_in_ = self.pca_.feature_names_in_
        self.n_features_in_ = self.pca_.n_features_in_
        return self

    def capability_score(self, X: Any) -> pd.Series:
        """P = βᵀS + α (Eq. 7), one value per model (Series indexed like X)."""
        check_is_fitted(self, "beta_")
        S = self.pca_.transform(X)
        P = S.to_numpy() @ self.beta_.to_numpy() + self.alpha_
        return pd.Series(P, index=S.index, name="P")

    def predict_from_capability(self, P: Any) -> Any:
        """Ê for given scalar capabilities P, e.g. (1 − h) + h·σ(P) (a Series keeps its index)."""
        check_is_fitted(self, "beta_")
        out = link_function(np.asarray(P, dtype=float), self.h_, self.link)
        if isinstance(P, pd.Series):
            return pd.Series(out, index=P.index, name="E_hat")
        return out

    def predict(self, X: Any) -> Any:
        """Ê of Eq. 6 at P = βᵀS + α: a Series indexed like X if X is a DataFrame, else an array."""
        P = self.capability_score(X)
        out = link_function(P.to_numpy(), self.h_, self.link)
        if isinstance(X, pd.DataFrame):
            return pd.Series(out, index=X.index, name="E_hat")
        return out
