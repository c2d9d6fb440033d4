"""Iterative low-rank PCA imputation of missing benchmark scores (Alg. A.1, ``PCAImpute``)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from sklearn.base import BaseEstimator, TransformerMixin

from osl_helpers._validation import (
    ColumnMismatchError,
    DegenerateColumnError,
    NotEnoughModelsError,
    as_score_frame,
    warn_not_converged,
)

__all__ = ["PCAImputer", "masked_imputation_error"]

FloatArray = NDArray[np.float64]


class PCAImputer(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """Fill missing cells of B with a rank-``n_components`` PCA reconstruction.

    Columns are standardised with the training mean and standard deviation;
    missing cells start at the column mean (0 after standardising) and are
    replaced, iteration by iteration, by the rank-``n_components`` SVD
    reconstruction until the largest change of an imputed cell falls below
    ``tol`` (in standard deviations) or ``max_iter`` is reached (then an
    :class:`~osl_helpers._validation.OSLConvergenceWarning` is issued).
    Observed cells are never changed. Imputed values are clipped to each
    column's training range.

    ``transform`` on held-out rows keeps the fitted subspace fixed: each row's
    missing cells are the least-squares fit of its observed cells on the
    fitted components, so held-out models never influence the fit.

    Fitted attributes: ``mean_``, ``scale_``, ``components_`` (standardised
    loadings, n_components × T), ``center_`` (mean of the completed
    standardised matrix), ``data_min_``, ``data_max_``, ``n_iter_``,
    ``feature_names_in_``, ``n_features_in_``.
    """

    def __init__(
        self, n_components: int = 1, max_iter: int = 500, tol: float = 1e-6, clip: bool = True
    ) -> None:
        self.n_components = n_components
        self.max_iter = max_iter
        self.tol = tol
        self.clip = clip

    # ------------------------------------------------------------------ fitting
    def _check_columns(self, df: pd.DataFrame) -> None:
        names = [str(c) for c in df.columns]
        if names != list(self.feature_names_in_):
            raise ColumnMismatchError(
                f"columns {names} differ from those seen in fit {list(self.feature_names_in_)}"
            )

    def fit(self, X: Any, y: Any = None) -> PCAImputer:
        self._fit(X)
        return self

    def _fit(self, X: Any) -> tuple[pd.DataFrame, FloatArray]:
        df = as_score_frame(X, check_range=False)
        values = df.to_numpy(dtype=float)
        n, t = values.shape
        if n < self.n_components + 2:
            raise NotEnoughModelsError(
                f"PCAImputer needs at least n_components + 2 = {self.n_components + 2} models; got {n}"
            )
        if not 1 <= self.n_components <= t:
            raise NotEnoughModelsError(f"n_components must be in [1, {t}]; got {self.n_components}")
        observed = ~np.isnan(values)
        empty = [str(c) for c, k in zip(df.columns, observed.sum(axis=0), strict=True) if k == 0]
        if empty:
            raise DegenerateColumnError(f"column(s) {empty} are entirely missing")
        mean = np.nanmean(values, axis=0)
        scale = np.nanstd(values, axis=0)
        const = [str(c) for c, s in zip(df.columns, scale, strict=True) if not s > 0]
        if const:
            raise DegenerateColumnError(
                f"column(s) {const} are constant: no information to impute from"
            )
        z = np.where(observed, (values - mean) / scale, 0.0)
        missing = ~observed
        k = self.n_components
        n_iter = 0
        converged = not missing.any()
        center = z.mean(axis=0)
        vt = np.linalg.svd(z - center, full_matrices=False)[2][:k]
        while not converged and n_iter < self.max_iter:
            n_iter += 1
            center = z.mean(axis=0)
            u, s, vt_full = np.linalg.svd(z - center, full_matrices=False)
            vt = vt_full[:k]
            recon = center + (u[:, :k] * s[:k]) @ vt
            change = np.max(np.abs(recon[missing] - z[missing]))
            z[missing] = recon[missing]
            converged = bool(change < self.tol)
        if not converged:
            warn_not_converged("PCAImputer", self.max_iter)
        self.mean_ = mean
        self.scale_ = scale
        self.center_ = z.mean(axis=0)
        self.components_ = np.linalg.svd(z - self.center_, full_matrices=False)[2][:k]
        self.data_min_ = np.nanmin(values, axis=0)
        self.data_max_ = np.nanmax(values, axis=0)
        self.n_iter_ = n_iter
        self.converged_ = converged
        self.feature_names_in_ = np.asarray([str(c) for c in df.columns], dtype=object)
        self.n_features_in_ = t
        filled = self._finish(z, missing, values)
        return df, filled

    def _finish(self, z: FloatArray, missing: NDArray[np.bool_], values: FloatArray) -> FloatArray:
        out = np.where(missing, z * self.scale_ + self.mean_, values)
        if self.clip:
            out = np.where(missing, np.clip(out, self.data_min_, self.data_max_), out)
        return out

    def fit_transform(self, X: Any, y: Any = None, **fit_params: Any) -> Any:
        df, filled = self._fit(X)
        return self._wrap(X, df, filled)

    # ------------------------------------------------------------------ transforming
    def transform(self, X: Any) -> Any:
        df = as_score_frame(X, check_range=False)
        if isinstance(X, pd.DataFrame):
            self._check_columns(df)
        elif df.shape[1] != self.n_features_in_:
            raise ColumnMismatchError(
                f"X has {df.shape[1]} columns; the imputer was fitted on {self.n_features_in_}"
            )
        values = df.to_numpy(dtype=float)
        missing = np.isnan(values)
        z = np.where(missing, 0.0, (values - self.mean_) / self.scale_)
        rows = np.flatnonzero(missing.any(axis=1))
        V = self.components_.T  # T × k
        for i in rows:
            obs = ~missing[i]
            if not obs.any():
                z[i] = self.center_
                continue
            # Least-squares coordinates of the observed cells on the fitted subspace.
            coef, *_ = np.linalg.lstsq(V[obs], z[i, obs] - self.center_[obs], rcond=None)
            recon = self.center_ + V @ coef
            z[i, ~obs] = recon[~obs]
        filled = self._finish(z, missing, values)
        return self._wrap(X, df, filled)

    @staticmethod
    def _wrap(X: Any, df: pd.DataFrame, filled: FloatArray) -> Any:
        if isinstance(X, pd.DataFrame):
            return pd.DataFrame(filled, index=X.index, columns=X.columns)
        return filled


def masked_imputation_error(
    X: pd.DataFrame,
    frac: float = 0.1,
    n_repeats: int = 20,
    seed: int = 0,
    n_components: tuple[int, ...] = (1, 2),
) -> pd.DataFrame:
    """Hide a fraction of the observed cells, impute them, and measure the error.

    For each repeat, ``frac`` of the observed cells of ``X`` are masked at
    random (seeded); they are filled by column-mean imputation and by
    :class:`PCAImputer` with each rank in ``n_components``, and the RMSE over
    the masked cells is recorded. Returns a tidy frame (repeat, method, rmse).
    """
    rng = np.random.default_rng(seed)
    values = as_score_frame(X).to_numpy(dtype=float)
    obs_idx = np.argwhere(~np.isnan(values))
    n_mask = max(1, round(frac * len(obs_idx)))
    rows = []
    for r in range(n_repeats):
        pick = obs_idx[rng.choice(len(obs_idx), size=n_mask, replace=False)]
        masked = values.copy()
        masked[pick[:, 0], pick[:, 1]] = np.nan
        truth = values[pick[:, 0], pick[:, 1]]
        col_mean = np.nanmean(masked, axis=0)
        guess = col_mean[pick[:, 1]]
        rows.append({"repeat": r, "method": "column mean", "rmse": _rmse(guess, truth)})
        for k in n_components:
            filled = PCAImputer(n_components=k).fit_transform(masked)
            guess = filled[pick[:, 0], pick[:, 1]]
            rows.append({"repeat": r, "method": f"PCA rank {k}", "rmse": _rmse(guess, truth)})
    return pd.DataFrame(rows)


def _rmse(a: FloatArray, b: FloatArray) -> float:
    return float(np.sqrt(np.mean((np.asarray(a) - np.asarray(b)) ** 2)))
