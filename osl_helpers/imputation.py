"""Iterative low-rank PCA imputation of missing benchmark scores (Alg. A.1, ``PCAImpute``).

Ruan, Maddison & Hashimoto (2024) fill the holes of the model × benchmark
matrix B before extracting principal capabilities (Sec. 3.2, App. A): each
benchmark is standardised, missing cells start at the column mean, and a
low-rank PCA reconstruction replaces them until nothing changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from osl_helpers._validation import (
    ColumnMismatchError,
    DegenerateColumnError,
    NotEnoughModelsError,
    OSLInputError,
    as_score_frame,
    check_int,
    check_number,
    check_range_pair,
    warn_not_converged,
)

__all__ = ["PCAImputer", "masked_imputation_error", "principal_axes"]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


def principal_axes(zc: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Singular values s (descending) and right singular vectors Vᵀ (rows) of a centred matrix.

    For ``zc`` of shape n × T they are the square roots of the eigenvalues and the
    eigenvectors of the T × T Gram matrix zcᵀzc, so the work grows with T², not
    with an SVD of the n × T matrix. Same s and Vᵀ as ``np.linalg.svd`` up to
    the sign of each row and rounding; returns T values (zeros beyond the rank).
    Besides being faster for thousands of models, it avoids a multithreaded
    LAPACK SVD on a tall matrix, which stalls when the machine's cores are busy.
    """
    w, v = np.linalg.eigh(zc.T @ zc)
    order = np.argsort(w)[::-1]
    return np.sqrt(np.clip(w[order], 0.0, None)), np.ascontiguousarray(v[:, order].T)


class PCAImputer(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """Fill missing cells of B with a rank-``n_components`` PCA reconstruction (Alg. A.1).

    ``fit`` (training models only):

    1. standardise each benchmark with its training mean and standard
       deviation (ignoring missing cells);
    2. set the missing cells to 0, the column mean;
    3. repeat: reconstruct the matrix from its top ``n_components`` principal
       components (SVD of the centred matrix) and overwrite *only* the
       missing cells, until the largest change of a missing cell is below
       ``tol`` (in standard deviations) or ``max_iter`` iterations have run —
       then :class:`~osl_helpers._validation.OSLConvergenceWarning` is issued;
    4. undo the standardisation and, if ``clip``, clip each imputed cell to
       ``score_range`` (the range a score can take, [0, 1] for accuracies, as
       the authors' code does). Observed cells never change. Clipping to the
       *training* models' observed range instead would cap a strong held-out
       model at the best weak model's score, which is wrong exactly where the
       method is used: extrapolating to stronger models.

    ``transform`` on any rows (e.g. held-out models) keeps the fitted
    subspace fixed: a row's missing cells are filled from the least-squares
    coordinates of its observed cells on the fitted components, so held-out
    models never influence the fit. On the training rows this is the fixed
    point of step 3, so ``fit(X).transform(X)`` agrees with
    ``fit_transform(X)`` up to ``tol``.

    Parameters: ``n_components`` is the rank of the reconstruction (the paper
    uses 1); ``max_iter`` and ``tol`` bound the iterations of step 3 and set
    its convergence tolerance; ``clip`` clips imputed cells to ``score_range``
    (no clipping when it is ``None``); ``score_range`` is the range the scores
    must lie in (fractions by default, so a table in percent raises
    :class:`~osl_helpers._validation.PercentScaleError`); ``None`` switches the
    range check off for other data.

    Fitted attributes: ``mean_``, ``scale_`` (training mean and standard
    deviation per column), ``components_`` (standardised loadings,
    n_components × T), ``center_`` (mean of the completed standardised
    matrix), ``n_iter_`` (0 if nothing was
    missing), ``converged_``, ``feature_names_in_``, ``n_features_in_``.

    scikit-learn's generic estimator checks pass except those listed, with
    reasons, in ``tests/test_imputation.py``: sparse and object input is
    rejected, our errors use the book's wording, and ``n_iter_`` is 0 when
    nothing is missing. The tag ``allow_nan`` is set since NaN cells are the
    point of the estimator.
    """

    def __init__(
        self,
        n_components: int = 1,
        max_iter: int = 500,
        tol: float = 1e-6,
        clip: bool = True,
        score_range: tuple[float, float] | None = (0.0, 1.0),
    ) -> None:
        self.n_components = n_components
        self.max_iter = max_iter
        self.tol = tol
        self.clip = clip
        self.score_range = score_range

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags

    # ------------------------------------------------------------------ checks
    def _scores(self, X: Any) -> pd.DataFrame:
        if self.score_range is None:
            return as_score_frame(X, check_range=False)
        low, high = check_range_pair("score_range", self.score_range)
        return as_score_frame(X, low=low, high=high)

    def _check_columns(self, X: Any, df: pd.DataFrame) -> None:
        if isinstance(X, pd.DataFrame):
            names = [str(c) for c in df.columns]
            if names != list(self.feature_names_in_):
                raise ColumnMismatchError(
                    f"columns {names} differ from those seen in fit {list(self.feature_names_in_)}"
                )
        elif df.shape[1] != self.n_features_in_:
            raise ColumnMismatchError(
                f"X has {df.shape[1]} columns; the imputer was fitted on {self.n_features_in_}"
            )

    # ------------------------------------------------------------------ fitting
    def fit(self, X: Any, y: Any = None) -> PCAImputer:
        """Learn the column scaling and the rank-``n_components`` subspace from X."""
        self._fit(X)
        return self

    def fit_transform(self, X: Any, y: Any = None, **fit_params: Any) -> Any:
        """Fit on X and return X completed by the iterative solution (same type and labels)."""
        df, filled = self._fit(X)
        return self._wrap(X, df, filled)

    def _fit(self, X: Any) -> tuple[pd.DataFrame, FloatArray]:
        k = check_int("n_components", self.n_components, 1)
        max_iter = check_int("max_iter", self.max_iter, 1)
        if not (np.isfinite(self.tol) and self.tol >= 0):
            raise OSLInputError(f"tol must be a finite number ≥ 0; got {self.tol!r}")
        df = self._scores(X)
        values = df.to_numpy(dtype=float)
        n, t = values.shape
        if k > t:
            raise NotEnoughModelsError(f"n_components = {k} exceeds the number of benchmarks ({t})")
        if n < k + 2:
            raise NotEnoughModelsError(
                f"{n} models are too few for a rank-{k} imputation; need at least {k + 2}"
            )
        observed = ~np.isnan(values)
        empty = [str(c) for c, m in zip(df.columns, observed.sum(axis=0), strict=True) if m == 0]
        if empty:
            raise DegenerateColumnError(f"column(s) {empty} are entirely missing")
        mean = np.nanmean(values, axis=0)
        scale = np.nanstd(values, axis=0)
        const = [str(c) for c, s in zip(df.columns, scale, strict=True) if not s > 0]
        if const:
            raise DegenerateColumnError(
                f"column(s) {const} are constant: no information to impute from"
            )
        missing = ~observed
        z = np.where(observed, (values - mean) / scale, 0.0)
        n_iter = 0
        converged = not missing.any()
        while not converged and n_iter < max_iter:
            n_iter += 1
            center = z.mean(axis=0)
            zc = z - center
            # Rank-k reconstruction U_k S_k V_kᵀ = zc V_k V_kᵀ (projection on the top-k axes).
            vk = principal_axes(zc)[1][:k]
            recon = center + (zc @ vk.T) @ vk
            change = float(np.max(np.abs(recon[missing] - z[missing])))
            z[missing] = recon[missing]
            converged = change < self.tol
        if not converged:
            warn_not_converged("PCAImputer", max_iter)
        self.mean_ = mean
        self.scale_ = scale
        self.center_ = z.mean(axis=0)
        self.components_ = principal_axes(z - self.center_)[1][:k]
        self.n_iter_ = n_iter
        self.converged_ = bool(converged)
        self.feature_names_in_ = np.asarray([str(c) for c in df.columns], dtype=object)
        self.n_features_in_ = t
        return df, self._finish(z, missing, values)

    def _finish(self, z: FloatArray, missing: BoolArray, values: FloatArray) -> FloatArray:
        out = np.where(missing, z * self.scale_ + self.mean_, values)
        if self.clip and self.score_range is not None:
            low, high = self.score_range
            out = np.where(missing, np.clip(out, low, high), out)
        return np.asarray(out, dtype=float)

    # ------------------------------------------------------------------ transforming
    def transform(self, X: Any) -> Any:
        """Fill the missing cells of X from the fitted subspace (no refitting)."""
        check_is_fitted(self, "components_")
        df = self._scores(X)
        self._check_columns(X, df)
        values = df.to_numpy(dtype=float)
        missing = np.isnan(values)
        z = np.where(missing, 0.0, (values - self.mean_) / self.scale_)
        V = self.components_.T  # T × k
        # Rows sharing a missing pattern share one least-squares problem.
        rows = np.flatnonzero(missing.any(axis=1))
        patterns: dict[bytes, list[int]] = {}
        for i in rows:
            patterns.setdefault(missing[i].tobytes(), []).append(int(i))
        for members in patterns.values():
            idx = np.asarray(members, dtype=np.intp)
            hole = missing[idx[0]]
            obs = ~hole
            if not obs.any():
                z[idx] = self.center_
                continue
            rhs = (z[np.ix_(idx, np.flatnonzero(obs))] - self.center_[obs]).T
            coef, *_ = np.linalg.lstsq(V[obs], rhs, rcond=None)
            recon = self.center_[hole] + (V[hole] @ coef).T
            z[np.ix_(idx, np.flatnonzero(hole))] = recon
        return self._wrap(X, df, self._finish(z, missing, values))

    @staticmethod
    def _wrap(X: Any, df: pd.DataFrame, filled: FloatArray) -> Any:
        if isinstance(X, pd.DataFrame):
            return pd.DataFrame(filled, index=X.index, columns=X.columns)
        return filled


# --------------------------------------------------------------------------- validation


def masked_imputation_error(
    X: pd.DataFrame | FloatArray,
    frac: float = 0.1,
    n_repeats: int = 20,
    seed: int | np.random.Generator = 0,
    n_components: Sequence[int] = (1, 2),
    include_column_mean: bool = True,
    max_iter: int = 500,
) -> pd.DataFrame:
    """Hide known cells of B, impute them, and measure how far off the guesses are.

    In each of ``n_repeats`` rounds, a random ``frac`` of the observed cells
    of ``X`` is masked (two observed cells per column are always kept, so
    every benchmark stays fittable). The masked cells are then filled by
    column-mean imputation (if ``include_column_mean``) and by
    :class:`PCAImputer` (Alg. A.1) at each rank in ``n_components``; all
    methods see the same masks; ``max_iter`` bounds each imputer. The random draws come from ``seed`` (an int
    or a :class:`numpy.random.Generator`), so the result is deterministic.

    Returns a tidy frame with one row per (repeat, method): ``repeat``,
    ``method`` ("column mean", "PCA rank k"), ``n_masked``, ``rmse`` and
    ``mae`` over the masked cells, in the units of X.
    """
    if not 0 < check_number("frac", frac, example="0.1") < 1:
        raise OSLInputError(f"frac must be in (0, 1); got {frac!r}")
    n_repeats = check_int("n_repeats", n_repeats, 1)
    ranks = [check_int("n_components", k, 1) for k in n_components]
    if not ranks and not include_column_mean:
        raise OSLInputError("no imputation method selected")
    if not isinstance(seed, np.random.Generator):
        seed = np.random.default_rng(check_int("seed", seed, 0))
    rng = seed
    values = as_score_frame(X).to_numpy(dtype=float)
    observed = ~np.isnan(values)
    thin = [j for j in range(values.shape[1]) if observed[:, j].sum() < 3]
    if thin:
        raise NotEnoughModelsError(
            f"column(s) at positions {thin} have fewer than 3 observed scores; nothing to mask"
        )
    rows_out: list[dict[str, Any]] = []
    for r in range(n_repeats):
        # Protect two random observed cells per column; mask from the rest.
        pool = observed.copy()
        for j in range(values.shape[1]):
            keep = rng.choice(np.flatnonzero(observed[:, j]), size=2, replace=False)
            pool[keep, j] = False
        cand = np.argwhere(pool)
        n_mask = max(1, round(frac * int(observed.sum())))
        n_mask = min(n_mask, len(cand))
        pick = cand[rng.choice(len(cand), size=n_mask, replace=False)]
        masked = values.copy()
        masked[pick[:, 0], pick[:, 1]] = np.nan
        truth = values[pick[:, 0], pick[:, 1]]
        guesses: list[tuple[str, FloatArray]] = []
        if include_column_mean:
            guesses.append(("column mean", np.nanmean(masked, axis=0)[pick[:, 1]]))
        for k in ranks:
            filled = PCAImputer(k, max_iter=max_iter, score_range=None).fit_transform(masked)
            guesses.append((f"PCA rank {k}", np.asarray(filled)[pick[:, 0], pick[:, 1]]))
        for method, guess in guesses:
            err = guess - truth
            rows_out.append(
                {
                    "repeat": r,
                    "method": method,
                    "n_masked": int(n_mask),
                    "rmse": float(np.sqrt(np.mean(err**2))),
                    "mae": float(np.mean(np.abs(err))),
                }
            )
    return pd.DataFrame(rows_out)
