"""Principal capabilities S: PCA of the benchmark matrix B (Eq. 5).

Ruan, Maddison & Hashimoto (2024) find that a few principal components of
the models × benchmarks score matrix explain almost all of its variance
(Sec. 3.2); the scores of a model on them, S = γ(B − μ), are its
"principal capabilities".
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from osl_helpers._validation import (
    ColumnMismatchError,
    NotEnoughModelsError,
    OSLInputError,
    as_float_array,
    as_score_frame,
    check_int,
    check_range_pair,
)
from osl_helpers.imputation import PCAImputer, principal_axes

__all__ = ["CapabilityPCA", "orient_components", "pc_names"]

FloatArray = NDArray[np.float64]


def pc_names(k: int) -> list[str]:
    """``["PC-1", ..., "PC-k"]``."""
    return [f"PC-{i + 1}" for i in range(k)]


def orient_components(components: FloatArray, atol: float = 1e-12) -> FloatArray:
    """Flip the sign of each row (loading vector) by the package's convention.

    A principal direction is defined only up to sign. Each row is flipped so
    that the sum of its loadings is positive; if that sum is within ``atol``
    of zero, so that its largest-magnitude loading is positive. Returns a
    new array.
    """
    out = np.array(as_float_array(components, "components"), dtype=float, copy=True)
    if out.ndim != 2:
        raise OSLInputError(
            f"components must be 2-D (components × benchmarks); got shape {out.shape}"
        )
    for row in out:
        total = row.sum()
        flip = total < 0 if abs(total) > atol else row[np.argmax(np.abs(row))] < 0
        if flip:
            row *= -1.0
    return out


class CapabilityPCA(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """Extract K principal capabilities S = γ(B − μ) from benchmark scores B (Eq. 5).

    Missing cells are first filled by :class:`~osl_helpers.imputation.PCAImputer`
    (Alg. A.1, rank ``impute_components``), fitted on the same training
    models. The PCA itself (an SVD) runs on centred but *unscaled* scores,
    as in the paper, so benchmarks with a wider spread of scores weigh more;
    ``standardize=True`` divides each column by its standard deviation first.

    Sign convention (deterministic, see :func:`orient_components`): each
    component is flipped so that the sum of its loadings is positive; if that
    sum is within 1e-12 of zero, so that its largest-magnitude loading is
    positive. With this rule PC-1 rises with every benchmark on the paper's
    data.

    ``score_range`` is the range scores must lie in (fractions by default, so
    that percentages raise :class:`~osl_helpers._validation.PercentScaleError`);
    ``None`` switches the check off for other data.

    Fitted attributes: ``components_`` (γ, DataFrame K × T, index "PC-1"..),
    ``explained_variance_`` (variance of each S_k, denominator n − 1),
    ``explained_variance_ratio_`` (share of the total variance of the
    completed, centred matrix), ``mean_`` (μ) and ``scale_`` (Series; all
    ones unless ``standardize``), ``imputer_`` (or None),
    ``feature_names_in_``, ``n_features_in_``.

    scikit-learn's generic estimator checks pass except those listed, with
    reasons, in ``tests/test_capabilities.py``: sparse and object input is
    rejected, our errors use the book's wording, and ``transform`` returns a
    DataFrame with "PC-k" columns.
    """

    def __init__(
        self,
        n_components: int = 3,
        impute: bool = True,
        impute_components: int = 1,
        standardize: bool = False,
        score_range: tuple[float, float] | None = (0.0, 1.0),
    ) -> None:
        self.n_components = n_components
        self.impute = impute
        self.impute_components = impute_components
        self.standardize = standardize
        self.score_range = score_range

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = bool(self.impute)
        return tags

    # ------------------------------------------------------------------ helpers
    def _scores(self, X: Any) -> pd.DataFrame:
        if self.score_range is None:
            return as_score_frame(X, check_range=False)
        low, high = check_range_pair("score_range", self.score_range)
        return as_score_frame(X, low=low, high=high)

    def _check_columns(self, X: Any, df: pd.DataFrame) -> None:
        names = [str(c) for c in df.columns]
        if isinstance(X, pd.DataFrame) and names != list(self.feature_names_in_):
            raise ColumnMismatchError(
                f"columns {names} differ from those seen in fit {list(self.feature_names_in_)}"
            )
        if df.shape[1] != self.n_features_in_:
            raise ColumnMismatchError(
                f"X has {df.shape[1]} columns; fitted on {self.n_features_in_}"
            )

    def _complete(self, df: pd.DataFrame, fit: bool) -> FloatArray:
        """Validated scores → complete matrix (imputed if ``impute``)."""
        if self.impute:
            if fit:
                # The imputer clips imputed cells to the same score range (the authors' [0, 1]).
                self.imputer_: PCAImputer | None = PCAImputer(
                    n_components=self.impute_components, score_range=self.score_range
                )
                out = self.imputer_.fit_transform(df)
            else:
                assert self.imputer_ is not None
                out = self.imputer_.transform(df)
            return np.asarray(out.to_numpy(dtype=float), dtype=float)
        if fit:
            self.imputer_ = None
        values = df.to_numpy(dtype=float)
        if np.isnan(values).any():
            cols = df.columns[np.isnan(values).any(axis=0)].tolist()
            raise OSLInputError(
                f"missing values in {cols} and impute=False; impute them or set impute=True"
            )
        return values

    # ------------------------------------------------------------------ fit / transform
    def fit(self, X: Any, y: Any = None) -> CapabilityPCA:
        """Fit the imputer (if any) and the loadings γ on the training models X."""
        self._fit(X)
        return self

    def fit_transform(self, X: Any, y: Any = None, **fit_params: Any) -> pd.DataFrame:
        """Fit on X and return its S (Eq. 5), reusing the imputed training matrix."""
        z = self._fit(X)
        S = z @ self.components_.to_numpy().T
        index = X.index if isinstance(X, pd.DataFrame) else None
        return pd.DataFrame(S, index=index, columns=self.components_.index)

    def _fit(self, X: Any) -> FloatArray:
        """Fit; return the completed, centred (and scaled) training matrix."""
        k = check_int("n_components", self.n_components, 1)
        df = self._scores(X)
        n, t = df.shape
        if k > min(n, t):
            raise NotEnoughModelsError(
                f"n_components = {k} exceeds min(models, benchmarks) = min({n}, {t})"
            )
        if n < k + 2:
            raise NotEnoughModelsError(
                f"{n} models are too few for {k} components; need at least {k + 2}"
            )
        self.feature_names_in_ = np.asarray([str(c) for c in df.columns], dtype=object)
        self.n_features_in_ = t
        values = self._complete(df, fit=True)
        mean = values.mean(axis=0)
        scale = values.std(axis=0) if self.standardize else np.ones(t)
        scale = np.where(scale > 0, scale, 1.0)
        z = (values - mean) / scale
        s, vt = principal_axes(z)
        var = s**2 / (n - 1)
        total = float(var.sum())
        names = list(self.feature_names_in_)
        self.components_ = pd.DataFrame(orient_components(vt[:k]), index=pc_names(k), columns=names)
        self.explained_variance_ = var[:k].copy()
        self.explained_variance_ratio_ = var[:k] / total if total > 0 else np.zeros(k)
        self.mean_ = pd.Series(mean, index=names)
        self.scale_ = pd.Series(scale, index=names)
        return np.asarray(z, dtype=float)

    def transform(self, X: Any) -> pd.DataFrame:
        """S = γ(B − μ) (Eq. 5) for the rows of X; DataFrame, columns "PC-1".., index of X."""
        check_is_fitted(self, "components_")
        df = self._scores(X)
        self._check_columns(X, df)
        if not isinstance(X, pd.DataFrame):  # an array is matched by position
            df = df.set_axis(list(self.feature_names_in_), axis=1)
        values = self._complete(df, fit=False)
        z = (values - self.mean_.to_numpy()) / self.scale_.to_numpy()
        S = z @ self.components_.to_numpy().T
        index = X.index if isinstance(X, pd.DataFrame) else None
        return pd.DataFrame(S, index=index, columns=self.components_.index)

    def inverse_transform(self, S: Any) -> pd.DataFrame:
        """Scores reconstructed from capabilities, μ + Sγ (in the original units)."""
        check_is_fitted(self, "components_")
        arr = np.asarray(S, dtype=float)
        if arr.ndim != 2 or arr.shape[1] != len(self.components_):
            raise ColumnMismatchError(
                f"S must have {len(self.components_)} columns (one per component); "
                f"got shape {arr.shape}"
            )
        gamma = self.components_.to_numpy()
        recon = (arr @ gamma) * self.scale_.to_numpy() + self.mean_.to_numpy()
        index = S.index if isinstance(S, pd.DataFrame) else None
        return pd.DataFrame(recon, index=index, columns=self.components_.columns)
