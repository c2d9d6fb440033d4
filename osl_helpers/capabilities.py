"""Principal capabilities S: PCA of the benchmark matrix B (Eq. 5)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from osl_helpers._validation import (
    ColumnMismatchError,
    NotEnoughModelsError,
    OSLInputError,
    as_score_frame,
)
from osl_helpers.imputation import PCAImputer

__all__ = ["CapabilityPCA", "pc_names"]


def pc_names(k: int) -> list[str]:
    """``["PC-1", ..., "PC-k"]``."""
    return [f"PC-{i + 1}" for i in range(k)]


class CapabilityPCA(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """Extract K principal capabilities S = γ(B − μ) from benchmark scores B (Eq. 5).

    Missing cells are first filled by :class:`~osl_helpers.imputation.PCAImputer`
    (fitted on the same training models). The PCA itself runs on centred but
    unscaled scores, as in the paper, so benchmarks with a wider spread of
    scores weigh more; ``standardize=True`` divides by each column's standard
    deviation instead.

    Sign convention (deterministic): each component is flipped so that the sum
    of its loadings is positive; if that sum is within 1e-12 of zero, so that
    its largest-magnitude loading is positive. With this rule PC-1 rises with
    every benchmark.

    ``score_range`` is the range scores must lie in (fractions by default, so
    that percentages are caught); ``None`` switches the check off for other data.

    Fitted attributes: ``components_`` (γ, DataFrame K × T, index "PC-1"..),
    ``explained_variance_``, ``explained_variance_ratio_`` (share of the total
    variance of the imputed, centred matrix), ``mean_`` and ``scale_`` (Series),
    ``imputer_`` (or None), ``feature_names_in_``, ``n_features_in_``.
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

    def _scores(self, X: Any) -> pd.DataFrame:
        if self.score_range is None:
            return as_score_frame(X, check_range=False)
        low, high = self.score_range
        return as_score_frame(X, low=low, high=high)

    def _complete(self, X: Any, fit: bool) -> pd.DataFrame:
        df = self._scores(X)
        if fit:
            self.feature_names_in_ = np.asarray([str(c) for c in df.columns], dtype=object)
            self.n_features_in_ = df.shape[1]
        else:
            names = [str(c) for c in df.columns]
            if isinstance(X, pd.DataFrame) and names != list(self.feature_names_in_):
                raise ColumnMismatchError(
                    f"columns {names} differ from those seen in fit {list(self.feature_names_in_)}"
                )
            if df.shape[1] != self.n_features_in_:
                raise ColumnMismatchError(
                    f"X has {df.shape[1]} columns; fitted on {self.n_features_in_}"
                )
        if self.impute:
            if fit:
                self.imputer_: PCAImputer | None = PCAImputer(n_components=self.impute_components)
                out = self.imputer_.fit_transform(df)
            else:
                assert self.imputer_ is not None
                out = self.imputer_.transform(df)
            assert isinstance(out, pd.DataFrame)
            return out
        if fit:
            self.imputer_ = None
        if df.isna().to_numpy().any():
            cols = df.columns[df.isna().any()].tolist()
            raise OSLInputError(
                f"missing values in {cols} and impute=False; impute them or set impute=True"
            )
        return df

    def fit(self, X: Any, y: Any = None) -> CapabilityPCA:
        df = self._scores(X)
        n, t = df.shape
        k = self.n_components
        if not 1 <= k <= t:
            raise NotEnoughModelsError(f"n_components must be in [1, {t}] benchmarks; got {k}")
        if n < k + 2:
            raise NotEnoughModelsError(
                f"{n} models are too few for {k} components; need at least {k + 2}"
            )
        full = self._complete(X, fit=True)
        values = full.to_numpy(dtype=float)
        mean = values.mean(axis=0)
        scale = values.std(axis=0) if self.standardize else np.ones(t)
        scale = np.where(scale > 0, scale, 1.0)
        centred = (values - mean) / scale
        _, s, vt = np.linalg.svd(centred, full_matrices=False)
        var = s**2 / max(n - 1, 1)
        total = var.sum()
        comps = vt[:k].copy()
        for i in range(k):
            total_sign = comps[i].sum()
            flip = (
                total_sign < 0
                if abs(total_sign) > 1e-12
                else comps[i][np.argmax(np.abs(comps[i]))] < 0
            )
            if flip:
                comps[i] = -comps[i]
        names = pc_names(k)
        self.components_ = pd.DataFrame(comps, index=names, columns=list(self.feature_names_in_))
        self.explained_variance_ = var[:k]
        self.explained_variance_ratio_ = var[:k] / total if total > 0 else np.zeros(k)
        self.mean_ = pd.Series(mean, index=list(self.feature_names_in_))
        self.scale_ = pd.Series(scale, index=list(self.feature_names_in_))
        return self

    def transform(self, X: Any) -> pd.DataFrame:
        check_is_fitted(self, "components_")
        full = self._complete(X, fit=False)
        values = (full.to_numpy(dtype=float) - self.mean_.to_numpy()) / self.scale_.to_numpy()
        S = values @ self.components_.to_numpy().T
        index = X.index if isinstance(X, pd.DataFrame) else None
        return pd.DataFrame(S, index=index, columns=self.components_.index)

    def inverse_transform(self, S: Any) -> pd.DataFrame:
        """Scores reconstructed from capabilities: μ + S γ (in the original units)."""
        arr = np.asarray(S, dtype=float)
        recon = (arr @ self.components_.to_numpy()) * self.scale_.to_numpy() + self.mean_.to_numpy()
        index = S.index if isinstance(S, pd.DataFrame) else None
        return pd.DataFrame(recon, index=index, columns=self.components_.columns)
