"""Synthetic model families with known ground truth, generated from Eqs. 3–6.

By default every family f shares the compute slope θ of each capability and
differs only in its efficiency offset v_f (Eq. 4): S_k = θ_k log10 C + v_{f,k}
(``slope_spread`` > 0 gives each family its own slopes θ_f). Benchmark
scores are a low-rank linear map of the capabilities plus noise (Eq. 5:
B ≈ μ + S γ), and the downstream target follows the law of Eq. 6 on the
accuracy scale, E = (1 − h) + h·σ(βᵀS + α) + noise. Because θ, v_f, γ, β, α
and h are known, tests can check that the method recovers them, and that a fit on compute alone fails
when families differ in efficiency.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from osl_helpers._validation import OSLInputError, check_int, check_number
from osl_helpers.law import link_function

__all__ = ["SyntheticWorld", "make_synthetic"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class SyntheticWorld:
    """A generated data set and the truth behind it.

    ``frame``: Model, Model Family, log10_flops, log10_params (N from
    C = 6·N·D with D = 20·N), the benchmarks ``bench-1``.., ``E`` (the noisy
    target) and ``E_true`` (index: model name). ``S``: true capabilities
    (models × K). ``gamma``: true loadings γ (K × T, orthonormal rows).
    ``theta``: the shared compute slopes (K); ``theta_f``: each family's
    slopes (families × K, equal to ``theta`` unless ``slope_spread`` > 0);
    ``v``: efficiency offsets v_f (families × K); ``beta`` (K), ``alpha``,
    ``h``: the true law E = (1 − h) + h·σ(βᵀS + α).
    """

    frame: pd.DataFrame
    S: pd.DataFrame
    gamma: pd.DataFrame
    theta: FloatArray
    v: pd.DataFrame
    beta: FloatArray
    alpha: float
    h: float
    benchmarks: list[str]
    theta_f: pd.DataFrame

    @property
    def P(self) -> pd.Series:
        """The true scalar capability P = βᵀS + α of every model (Eq. 7)."""
        return pd.Series(self.S.to_numpy() @ self.beta + self.alpha, index=self.S.index, name="P")


def make_synthetic(
    n_families: int = 8,
    models_per_family: int = 6,
    n_benchmarks: int = 8,
    n_components: int = 3,
    noise: float = 0.01,
    target_noise: float = 0.01,
    efficiency_spread: float = 1.0,
    idiosyncratic: float = 0.4,
    missing_frac: float = 0.0,
    h: float = 0.9,
    slope_spread: float = 0.0,
    seed: int = 0,
) -> SyntheticWorld:
    """Generate families of models with known capabilities, benchmarks and target.

    ``efficiency_spread`` is the standard deviation, in decades of compute, of
    the families' efficiency offsets; 0 makes compute alone a perfect predictor.
    ``idiosyncratic`` is the spread of each family's own offset per capability,
    beyond the shared efficiency shift: it makes the capabilities more than a
    function of compute alone. ``missing_frac`` hides that share of benchmark
    cells at random (every model keeps at least one score). ``slope_spread``
    is the relative spread of the families' own slopes θ_f around θ (0: all
    families share θ). ``noise`` and ``target_noise`` are the standard
    deviations of the Gaussian noise on the benchmarks and on E (both then
    clipped to [0, 1]). The same ``seed`` gives the same world.
    """
    n_families = check_int("n_families", n_families, 0)
    models_per_family = check_int("models_per_family", models_per_family, 0)
    if n_families < 1 or models_per_family < 2:
        raise OSLInputError("need at least one family of at least two models")
    n_benchmarks = check_int("n_benchmarks", n_benchmarks, 1)
    n_components = check_int("n_components", n_components, 1)
    seed = check_int("seed", seed, 0)
    missing_frac, h = check_number("missing_frac", missing_frac), check_number("h", h)
    if not 1 <= n_components <= n_benchmarks:
        raise OSLInputError(
            f"n_components must be in [1, n_benchmarks={n_benchmarks}]; got {n_components}"
        )
    if not 0 <= missing_frac < 0.5:
        raise OSLInputError(f"missing_frac must be in [0, 0.5); got {missing_frac}")
    for name, val in (
        ("noise", noise),
        ("target_noise", target_noise),
        ("efficiency_spread", efficiency_spread),
        ("idiosyncratic", idiosyncratic),
        ("slope_spread", slope_spread),
    ):
        if not (np.isfinite(check_number(name, val)) and val >= 0):
            raise OSLInputError(f"{name} must be a non-negative number; got {val}")
    if not 0 < h <= 1:
        raise OSLInputError(f"the ceiling h must be in (0, 1]; got {h}")
    rng = np.random.default_rng(seed)
    k, t = n_components, n_benchmarks
    n = n_families * models_per_family

    families = [f"fam-{i + 1}" for i in range(n_families)]
    fam_of = np.repeat(np.arange(n_families), models_per_family)
    log_c = np.concatenate(
        [np.sort(rng.uniform(20.0, 24.5, models_per_family)) for _ in range(n_families)]
    )
    # Shared compute slopes; later components grow more slowly with compute.
    base = np.array([1.0, 0.5, 0.3, 0.2, *([0.1] * max(k - 4, 0))])[:k]
    theta = base * rng.uniform(0.8, 1.2, k)
    # Efficiency: a family shifted by d decades of compute (plus a small idiosyncratic part).
    shift = rng.normal(0.0, efficiency_spread, n_families)
    v = shift[:, None] * theta[None, :] + rng.normal(0.0, idiosyncratic, (n_families, k))
    theta_f = np.tile(theta, (n_families, 1))
    if slope_spread > 0:  # drawn only then, so the default stream is unchanged
        theta_f = theta_f * (1.0 + slope_spread * rng.normal(size=(n_families, k)))
    # Centre log C at 22 so v_f is the capability of a 1e22-FLOP model of family f.
    S = theta_f[fam_of] * (log_c[:, None] - 22.0) + v[fam_of]

    q, _ = np.linalg.qr(rng.normal(size=(t, k)))
    gamma = q.T  # K × T, orthonormal rows
    gamma *= np.where(gamma.sum(axis=1, keepdims=True) < 0, -1.0, 1.0)
    B = 0.5 + 0.08 * S @ gamma + noise * rng.normal(size=(n, t))
    B = np.clip(B, 0.0, 1.0)
    if missing_frac > 0:
        mask = rng.random(B.shape) < missing_frac
        mask[np.arange(n), rng.integers(0, t, n)] = False  # every model keeps some scores
        B = np.where(mask, np.nan, B)

    beta = rng.normal(0.0, 1.0, k)
    beta[0] = abs(beta[0]) + 1.0  # the target improves with general capability
    alpha = -float(np.median(S @ beta))
    e_true = link_function(S @ beta + alpha, h)  # Eq. 6 on accuracy: floor 1 − h
    e = np.clip(e_true + target_noise * rng.normal(size=n), 0.0, 1.0)

    benchmarks = [f"bench-{j + 1}" for j in range(t)]
    models = [f"{families[f]}/m{i % models_per_family + 1}" for i, f in enumerate(fam_of)]
    frame = pd.DataFrame(B, columns=benchmarks)
    frame.insert(0, "Model", models)
    frame.insert(1, "Model Family", [families[f] for f in fam_of])
    frame.insert(2, "log10_flops", log_c)
    # Parameters from C = 6·N·D with D = 20·N tokens (a fixed, Chinchilla-like ratio).
    frame.insert(3, "log10_params", (log_c - np.log10(120.0)) / 2.0)
    frame["E"] = e
    frame["E_true"] = e_true
    frame.index = pd.Index(models)
    pcs = [f"PC-{i + 1}" for i in range(k)]
    return SyntheticWorld(
        frame=frame,
        S=pd.DataFrame(S, index=frame.index, columns=pcs),
        gamma=pd.DataFrame(gamma, index=pcs, columns=benchmarks),
        theta=theta,
        v=pd.DataFrame(v, index=families, columns=pcs),
        beta=beta,
        alpha=alpha,
        h=h,
        benchmarks=benchmarks,
        theta_f=pd.DataFrame(theta_f, index=families, columns=pcs),
    )
