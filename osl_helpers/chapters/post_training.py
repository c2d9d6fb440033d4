"""How post-training techniques scale: several laws on one compute axis (Sec. 4.3, Fig. 6).

Ruan, Maddison & Hashimoto (2024) fit one observational scaling law per
technique on GSM8K (naive few-shot, chain-of-thought, chain-of-thought with
self-consistency), each on the same weak models, and draw the three fitted
sigmoids against Llama-2-equivalent FLOPs. Because every law is linear in the
reference family's log compute x before the link (Eqs. 7–8),

    P_t = w_t·x + b_t,    Ê_t(x) = (1 − h_t) + h_t·σ(w_t·x + b_t),

the curves of different techniques can be evaluated on one common grid of x,
and so can their differences (the gain of one technique over another) and the
derivatives of those differences (how fast the gain grows with scale).

* :func:`fit_techniques` fits every technique (:func:`~osl_helpers.experiments.fit_task`)
  and returns tidy points, curves on a common grid and a summary table.
* :func:`law_on_axis`, :func:`law_slope_on_axis`: Ê_t(x) and dÊ_t/dx in closed form.
* :func:`technique_gaps`, :func:`gap_slope_table`, :func:`mean_gap_slope`: the
  gain Ê_a(x) − Ê_b(x) and its growth per decade of equivalent compute.
* :func:`observed_gains`: the same gains measured on the data, weak against strong models.
* :func:`weights_long`, :func:`weight_changes`: the benchmark weights βᵀγ of
  each law side by side and their change from one technique to another.
* :func:`bootstrap_laws` refits all laws on paired resamples of the weak
  models; :func:`bootstrap_weight_changes`, :func:`bootstrap_gaps`,
  :func:`gap_band` and :func:`bootstrap_gap_slopes` say how stable the
  findings above are.
* :func:`compare_techniques`: principal capabilities against compute and size
  on one identical test set per technique; :func:`authors_comparison` puts
  those errors beside the authors' code.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from osl_helpers._validation import NotEnoughModelsError, OSLInputError
from osl_helpers.compute import reference_line
from osl_helpers.data import PREREGISTERED_MODELS, load_post_training, short_name, short_names
from osl_helpers.evaluation import Comparison, Split, compare_predictors, stack_tables
from osl_helpers.experiments import TaskFit, fit_task
from osl_helpers.law import ObservationalScalingLaw, sigmoid
from osl_helpers.setups import (
    PAPER_SETUPS,
    TaskData,
    TaskSetup,
    authors_reference,
    describe_setups,
    load_task,
)

__all__ = [
    "DEFAULT_PAIRS",
    "DEFAULT_PREDICTORS",
    "PAIR_LABELS",
    "TECHNIQUES",
    "BootstrapLaw",
    "TechniqueFits",
    "authors_comparison",
    "authors_numbers",
    "bootstrap_gap_slopes",
    "bootstrap_gaps",
    "bootstrap_laws",
    "bootstrap_weight_changes",
    "compare_techniques",
    "comparison_numbers",
    "exercise_numbers",
    "fit_numbers",
    "fit_techniques",
    "gain_bands",
    "gain_numbers",
    "gap_band",
    "gap_slope_table",
    "law_on_axis",
    "law_slope_on_axis",
    "mean_gap_slope",
    "observed_gains",
    "observed_numbers",
    "observed_summary",
    "peak_numbers",
    "split_numbers",
    "split_table",
    "task_split",
    "technique_gaps",
    "weight_change_table",
    "weight_changes",
    "weight_numbers",
    "weights_long",
]

FloatArray = NDArray[np.float64]

#: The paper's three GSM8K setups (keys of ``PAPER_SETUPS``) and their short labels.
TECHNIQUES: dict[str, str] = {
    "gsm8k_naive": "Naive (5-shot)",
    "gsm8k_cot": "CoT (8-shot)",
    "gsm8k_cot_sc": "CoT + SC (maj@5)",
}

#: Gains studied by default: (better, baseline) — CoT over naive, then SC over CoT.
DEFAULT_PAIRS: tuple[tuple[str, str], ...] = (
    ("gsm8k_cot", "gsm8k_naive"),
    ("gsm8k_cot_sc", "gsm8k_cot"),
)

#: Short names of the default gains, used as labels in tables and charts.
PAIR_LABELS: dict[tuple[str, str], str] = {
    ("gsm8k_cot", "gsm8k_naive"): "CoT over naive",
    ("gsm8k_cot_sc", "gsm8k_cot"): "SC over CoT",
}

#: Predictors compared on each technique: K = 1..4 PCs and three scalar baselines.
DEFAULT_PREDICTORS: tuple[int | str, ...] = (
    1,
    2,
    3,
    4,
    "log_flops",
    "log_params",
    "mean_benchmark",
)


# --------------------------------------------------------------------------- one law on the axis


def _reference(fit: TaskFit) -> tuple[float, float]:
    if fit.reference is None:
        raise OSLInputError(
            f"{fit.task.setup.key}: no reference line for {fit.reference_family!r}, "
            "so the law cannot be placed on an equivalent-compute axis"
        )
    return fit.reference


def _curve(law: ObservationalScalingLaw, slope: float, intercept: float, x: Any) -> FloatArray:
    P = slope * np.asarray(x, dtype=float) + intercept
    return np.asarray(law.predict_from_capability(P), dtype=float)


def _curve_slope(h: float, slope: float, intercept: float, x: Any) -> FloatArray:
    s = sigmoid(slope * np.asarray(x, dtype=float) + intercept)
    return np.asarray(h * slope * s * (1.0 - s), dtype=float)


def law_on_axis(fit: TaskFit, x: Any) -> FloatArray:
    """Ê(x) = (1 − h) + h·σ(w_f·x + b_f): the fitted law (Eq. 6) against reference-equivalent compute.

    ``x`` is log10 FLOPs of the reference family (Eq. 8 inverted: P = w_f·x + b_f,
    Eq. 7), so a model placed at its f-equivalent compute lies exactly on this curve.
    """
    slope, intercept = _reference(fit)
    return _curve(fit.law, slope, intercept, x)


def law_slope_on_axis(fit: TaskFit, x: Any) -> FloatArray:
    """dÊ/dx = h·w_f·σ(z)·(1 − σ(z)) with z = w_f·x + b_f: accuracy gained per decade of compute."""
    slope, intercept = _reference(fit)
    return _curve_slope(fit.law.h_, slope, intercept, x)


# --------------------------------------------------------------------------- all techniques


@dataclass(frozen=True)
class TechniqueFits:
    """One fitted law per technique, all on the same equivalent-compute axis.

    ``fits``: key → :class:`~osl_helpers.experiments.TaskFit`; ``labels``: key → label.
    ``points``: one row per (technique, model): ``technique``, ``key``, ``Model``,
    ``Model Family``, ``split``, ``y``, ``y_hat``, ``x`` (f-equivalent log10 FLOPs).
    ``curves``: ``technique``, ``key``, ``x``, ``y_hat``, ``slope`` (dÊ/dx) on one grid.
    ``table`` (index: key): ``technique``, ``n_train``, ``n_test``, ``train_mse``,
    ``test_mse``, ``test_mae``, ``h``, ``alpha``, ``w_f``, ``b_f``.
    """

    fits: dict[str, TaskFit]
    labels: dict[str, str]
    points: pd.DataFrame
    curves: pd.DataFrame
    table: pd.DataFrame
    reference_family: str
    grid: FloatArray

    def fit(self, key: str) -> TaskFit:
        """The fit of one technique, by key; unknown keys raise with the known ones."""
        if key not in self.fits:
            raise OSLInputError(f"unknown technique {key!r}; fitted: {sorted(self.fits)}")
        return self.fits[key]

    def test_range(self) -> tuple[float, float]:
        """Smallest and largest equivalent compute of any held-out model, over all techniques."""
        test = self.points[self.points["split"] == "test"]["x"].dropna()
        if test.empty:
            raise NotEnoughModelsError("no held-out model has an equivalent compute")
        return float(test.min()), float(test.max())


def _as_task(task: TaskData | TaskSetup | str) -> TaskData:
    return task if isinstance(task, TaskData) else load_task(task)


def fit_techniques(
    tasks: Mapping[str, TaskData | TaskSetup | str] | Sequence[str] = tuple(TECHNIQUES),
    labels: Mapping[str, str] | None = None,
    reference_family: str = "Llama-2",
    grid: Any = None,
    n_components: int | None = None,
) -> TechniqueFits:
    """Fit the law of each technique on its weak models and put all on one compute axis.

    ``tasks`` is a sequence of setup keys or a mapping key → setup, task or key
    (for variants such as ``setup.with_(loss="squared")``). ``grid`` is the
    common grid of reference-equivalent log10 FLOPs (default: 0.25 decades
    below the lowest model to 0.5 above the highest, 181 points).
    """
    items = dict(tasks) if isinstance(tasks, Mapping) else {k: k for k in tasks}
    if not items:
        raise OSLInputError("no technique given")
    names = {k: (labels or {}).get(k, TECHNIQUES.get(k, k)) for k in items}
    fits = {
        k: fit_task(_as_task(t), n_components=n_components, reference_family=reference_family)
        for k, t in items.items()
    }
    parts, rows = [], []
    for key, fit in fits.items():
        slope, intercept = _reference(fit)
        pts = fit.points.rename(columns={"f_equiv_log10_flops": "x"})
        cols = ["Model", "Model Family", "split", "y", "y_hat", "x"]
        parts.append(pts[cols].assign(technique=names[key], key=key))
        rows.append(
            {
                "key": key,
                "technique": names[key],
                "n_train": int((pts["split"] == "train").sum()),
                "n_test": int((pts["split"] == "test").sum()),
                "train_mse": fit.train_mse,
                "test_mse": fit.test_mse,
                "test_mae": fit.test_mae,
                "h": fit.law.h_,
                "alpha": fit.law.alpha_,
                "w_f": slope,
                "b_f": intercept,
            }
        )
    points = pd.concat(parts, ignore_index=True)
    points = points[
        ["technique", "key", *[c for c in points.columns if c not in ("technique", "key")]]
    ]
    if grid is None:
        xs = points["x"].dropna()
        grid = np.linspace(float(xs.min()) - 0.25, float(xs.max()) + 0.5, 181)
    g = np.asarray(grid, dtype=float).ravel()
    if g.size < 2 or not np.isfinite(g).all():
        raise OSLInputError("grid must hold at least two finite values")
    curves = pd.concat(
        [
            pd.DataFrame(
                {
                    "technique": names[k],
                    "key": k,
                    "x": g,
                    "y_hat": law_on_axis(f, g),
                    "slope": law_slope_on_axis(f, g),
                }
            )
            for k, f in fits.items()
        ],
        ignore_index=True,
    )
    table = pd.DataFrame(rows).set_index("key")
    return TechniqueFits(fits, names, points, curves, table, reference_family, g)


# --------------------------------------------------------------------------- gains between techniques


def _pair_label(better: str, base: str, labels: Mapping[str, str] | None = None) -> str:
    """The name of the gain of ``better`` over ``base``: a short default, else "a − b"."""
    if (better, base) in PAIR_LABELS and not labels:
        return PAIR_LABELS[(better, base)]
    names = dict(TECHNIQUES) | dict(labels or {})
    return f"{names.get(better, better)} − {names.get(base, base)}"


def technique_gaps(
    result: TechniqueFits,
    pairs: Sequence[tuple[str, str]] = DEFAULT_PAIRS,
    x: Any = None,
    labels: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """The fitted gain Ê_a(x) − Ê_b(x) of technique a over b, and its slope, on a grid of x.

    Returns ``pair`` (label, see :data:`PAIR_LABELS`; ``labels`` renames
    techniques), ``better``, ``baseline``, ``x``, ``gap`` and ``gap_slope`` =
    dÊ_a/dx − dÊ_b/dx (accuracy per decade of equivalent compute). ``x``
    defaults to the result's grid.
    """
    xs = result.grid if x is None else np.asarray(x, dtype=float).ravel()
    parts = []
    for a, b in pairs:
        fa, fb = result.fit(a), result.fit(b)
        parts.append(
            pd.DataFrame(
                {
                    "pair": _pair_label(a, b, labels),
                    "better": a,
                    "baseline": b,
                    "x": xs,
                    "gap": law_on_axis(fa, xs) - law_on_axis(fb, xs),
                    "gap_slope": law_slope_on_axis(fa, xs) - law_slope_on_axis(fb, xs),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def gap_slope_table(
    result: TechniqueFits,
    scales: Sequence[float] = (22.5, 23.0, 23.5, 24.0),
    pairs: Sequence[tuple[str, str]] = DEFAULT_PAIRS,
) -> pd.DataFrame:
    """Each gain and its growth per decade at a few scales.

    Index: the scales (log10 equivalent FLOPs). Columns: ``"<pair>: gain"`` and
    ``"<pair>: per decade"`` for each pair, in order.
    """
    long = technique_gaps(result, pairs, x=list(scales))
    cols = {}
    for pair, part in long.groupby("pair", sort=False):
        cols[f"{pair}: gain"] = part["gap"].to_numpy()
        cols[f"{pair}: per decade"] = part["gap_slope"].to_numpy()
    out = pd.DataFrame(cols, index=pd.Index([float(v) for v in scales], name="log10 FLOPs"))
    return out


def mean_gap_slope(
    result: TechniqueFits, better: str, baseline: str, x0: float, x1: float
) -> float:
    """Average growth of the gain between x0 and x1: (gap(x1) − gap(x0)) / (x1 − x0), per decade."""
    if not x1 > x0:
        raise OSLInputError(f"need x1 > x0; got x0={x0}, x1={x1}")
    g = technique_gaps(result, [(better, baseline)], x=[x0, x1])["gap"].to_numpy()
    return float((g[1] - g[0]) / (x1 - x0))


def observed_gains(
    tasks: Mapping[str, TaskData] | Sequence[TaskData],
    pairs: Sequence[tuple[str, str]] = DEFAULT_PAIRS,
    labels: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Measured gain y_a − y_b per model present in both tasks, with the split of task b.

    No law is involved: this is the data the fitted gaps summarise. Returns
    ``pair``, ``Model``, ``Model Family``, ``split``, ``gain``, ``log10_flops``.
    """
    by_key = dict(tasks) if isinstance(tasks, Mapping) else {t.setup.key: t for t in tasks}
    parts = []
    for a, b in pairs:
        if a not in by_key or b not in by_key:
            raise OSLInputError(f"pair ({a!r}, {b!r}) names a task not given: {sorted(by_key)}")
        ta, tb = by_key[a], by_key[b]
        common = tb.frame.index.intersection(ta.frame.index)
        split = pd.Series("excluded", index=common)
        split[tb.train.loc[common].to_numpy()] = "train"
        split[tb.test.loc[common].to_numpy()] = "test"
        parts.append(
            pd.DataFrame(
                {
                    "pair": _pair_label(a, b, labels),
                    "Model": tb.frame.loc[common, "Model"].to_numpy(),
                    "Model Family": tb.frame.loc[common, "Model Family"].to_numpy(),
                    "split": split.to_numpy(),
                    "gain": (ta.y.loc[common] - tb.y.loc[common]).to_numpy(),
                    "log10_flops": tb.frame.loc[common, "log10_flops"].to_numpy(),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


# --------------------------------------------------------------------------- benchmark weights


def weights_long(result: TechniqueFits, keys: Sequence[str] | None = None) -> pd.DataFrame:
    """Benchmark weights βᵀγ of each law (Sec. 4.3, Fig. 6), long form.

    Columns ``technique``, ``benchmark``, ``weight`` and ``share`` = weight / Σ|weight|
    (the scale-free version: a steeper law has larger weights everywhere).
    """
    parts = []
    for key in keys or list(result.fits):
        w = result.fit(key).law.benchmark_weights_
        parts.append(
            pd.DataFrame(
                {
                    "technique": result.labels[key],
                    "benchmark": [str(i) for i in w.index],
                    "weight": w.to_numpy(float),
                    "share": (w / w.abs().sum()).to_numpy(float),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def weight_changes(result: TechniqueFits, before: str, after: str) -> pd.DataFrame:
    """Per benchmark: βᵀγ of two laws, their difference, and the difference of their shares.

    Index: benchmark. Columns ``before``, ``after``, ``change`` = after − before,
    ``share_before``, ``share_after``, ``share_change``.
    """
    wa = result.fit(before).law.benchmark_weights_
    wb = result.fit(after).law.benchmark_weights_
    if list(wa.index) != list(wb.index):
        raise OSLInputError("the two laws use different benchmarks; their weights do not align")
    out = pd.DataFrame({"before": wa, "after": wb})
    out["change"] = out["after"] - out["before"]
    out["share_before"] = wa / wa.abs().sum()
    out["share_after"] = wb / wb.abs().sum()
    out["share_change"] = out["share_after"] - out["share_before"]
    out.index.name = "benchmark"
    return out


@dataclass(frozen=True)
class BootstrapLaw:
    """One law refitted on a bootstrap resample: the law and its reference line (w_f, b_f)."""

    law: ObservationalScalingLaw
    slope: float
    intercept: float

    def on_axis(self, x: Any) -> FloatArray:
        """Ê(x) = (1 − h) + h·σ(w_f·x + b_f) for this replicate (see :func:`law_on_axis`)."""
        return _curve(self.law, self.slope, self.intercept, x)


def bootstrap_laws(
    tasks: Mapping[str, TaskData | TaskSetup | str] | Sequence[str] = tuple(TECHNIQUES),
    n_boot: int = 200,
    seed: int = 0,
    reference_family: str = "Llama-2",
) -> list[dict[str, BootstrapLaw]]:
    """Refit every technique's law on paired bootstrap resamples of the weak models.

    Each replicate draws, with replacement, as many names as there are
    training models in any of the tasks (their union), and refits each law on
    the drawn models that task has for training, so all laws see the same
    resample. The reference line of each refitted P (Eq. 7) is fitted on the
    reference family's models of the task (all of them, not resampled).
    Returns one dict key → :class:`BootstrapLaw` per replicate. Convergence
    warnings of individual refits are silenced.
    """
    if n_boot < 1:
        raise OSLInputError(f"n_boot must be positive; got {n_boot}")
    items = dict(tasks) if isinstance(tasks, Mapping) else {k: k for k in tasks}
    resolved = {k: _as_task(t) for k, t in items.items()}
    refs = {}
    for key, t in resolved.items():
        fam = t.frame[
            (t.frame["Model Family"] == reference_family) & t.frame["log10_flops"].notna()
        ]
        if len(fam) < 2:
            raise NotEnoughModelsError(
                f"{key}: the reference family {reference_family!r} has {len(fam)} model(s) "
                "with known FLOPs in this task; need 2"
            )
        refs[key] = fam
    pool = np.asarray(sorted(set().union(*(set(t.X_train.index) for t in resolved.values()))))
    rng = np.random.default_rng(seed)
    out: list[dict[str, BootstrapLaw]] = []
    for _ in range(n_boot):
        draw = pool[rng.integers(0, len(pool), len(pool))]
        replicate = {}
        for key, t in resolved.items():
            names = [m for m in draw if bool(t.train.get(m, False))]
            X = t.X.loc[names].reset_index(drop=True)
            y = t.y.loc[names].reset_index(drop=True)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                law = ObservationalScalingLaw(**t.setup.law_kwargs()).fit(X, y)
            fam = refs[key]
            scored = fam.assign(P=law.capability_score(fam[list(t.setup.benchmarks)]))
            slope, intercept = reference_line(scored, y="P", family=reference_family)
            replicate[key] = BootstrapLaw(law, slope, intercept)
        out.append(replicate)
    return out


def bootstrap_weight_changes(
    replicates: Sequence[Mapping[str, BootstrapLaw]], before: str, after: str
) -> pd.DataFrame:
    """Change of βᵀγ from law ``before`` to law ``after`` in each bootstrap replicate.

    One row per replicate, one column per benchmark.
    """
    rows = [r[after].law.benchmark_weights_ - r[before].law.benchmark_weights_ for r in replicates]
    return pd.DataFrame(rows).reset_index(drop=True)


def bootstrap_gaps(
    replicates: Sequence[Mapping[str, BootstrapLaw]],
    pairs: Sequence[tuple[str, str]] = DEFAULT_PAIRS,
    x: Any = (22.5, 23.0, 23.5, 24.0),
    labels: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """The gain Ê_a(x) − Ê_b(x) in each bootstrap replicate: ``replicate``, ``pair``, ``x``, ``gap``."""
    xs = np.asarray(x, dtype=float).ravel()
    parts = []
    for i, r in enumerate(replicates):
        for a, b in pairs:
            parts.append(
                pd.DataFrame(
                    {
                        "replicate": i,
                        "pair": _pair_label(a, b, labels),
                        "x": xs,
                        "gap": r[a].on_axis(xs) - r[b].on_axis(xs),
                    }
                )
            )
    return pd.concat(parts, ignore_index=True)


def gap_band(boot: pd.DataFrame, level: float = 0.9) -> pd.DataFrame:
    """Percentile band of :func:`bootstrap_gaps` per pair and x: ``pair``, ``x``, ``lo``, ``hi``."""
    if not 0 < level < 1:
        raise OSLInputError(f"level must be in (0, 1); got {level}")
    q = (1 - level) / 2
    grouped = boot.groupby(["pair", "x"], sort=False)["gap"]
    return pd.DataFrame({"lo": grouped.quantile(q), "hi": grouped.quantile(1 - q)}).reset_index()


def bootstrap_gap_slopes(
    replicates: Sequence[Mapping[str, BootstrapLaw]],
    x0: float,
    x1: float,
    pairs: Sequence[tuple[str, str]] = DEFAULT_PAIRS,
    labels: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Average growth of each gain between x0 and x1 in each replicate (rows), one column per pair."""
    if not x1 > x0:
        raise OSLInputError(f"need x1 > x0; got x0={x0}, x1={x1}")
    long = bootstrap_gaps(replicates, pairs, [x0, x1], labels)
    wide = long.pivot_table(index=["replicate", "pair"], columns="x", values="gap", sort=False)
    slope = (wide[x1] - wide[x0]) / (x1 - x0)
    out = slope.unstack("pair")
    out.columns.name = None
    return out.reset_index(drop=True)


# --------------------------------------------------------------------------- predictors


def task_split(task: TaskData) -> Split:
    """The setup's train/test split of a task as an :class:`~osl_helpers.evaluation.Split`."""
    return Split(
        train=task.train,
        test=task.test,
        excluded=task.excluded,
        description=task.setup.key,
        reason=task.excluded_reason,
    )


def compare_techniques(
    tasks: Mapping[str, TaskData | TaskSetup | str] | Sequence[str] = tuple(TECHNIQUES),
    predictors: Sequence[int | str] = DEFAULT_PREDICTORS,
    labels: Mapping[str, str] | None = None,
) -> tuple[dict[str, Comparison], pd.DataFrame]:
    """Compare predictors on each technique with the setup's law, loss and split.

    Every predictor is fitted on the same weak models and scored on one
    identical test set per technique (:func:`~osl_helpers.evaluation.compare_predictors`).
    Returns the comparisons by key and their stacked tables with a
    ``technique`` column.
    """
    items = dict(tasks) if isinstance(tasks, Mapping) else {k: k for k in tasks}
    names = {k: (labels or {}).get(k, TECHNIQUES.get(k, k)) for k in items}
    out: dict[str, Comparison] = {}
    for key, t in items.items():
        task = _as_task(t)
        s = task.setup
        out[key] = compare_predictors(
            task.frame,
            "y",
            s.benchmarks,
            task_split(task),
            predictors=predictors,
            link=s.link,
            loss=s.loss,
            huber_delta=s.huber_delta,
        )
    table = stack_tables({names[k]: c for k, c in out.items()}, key="technique")
    return out, table


#: The book's name of each predictor the authors report, and its key in their reference.
_AUTHORS_PREDICTORS = {"3 PCs": "pcs_3", "log_flops": "log_flops"}


def authors_comparison(
    comparisons: Mapping[str, Comparison], labels: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """The book's held-out MSE of each technique beside the authors' released code.

    ``comparisons``: setup key → :class:`~osl_helpers.evaluation.Comparison`
    (the first output of :func:`compare_techniques`), each with a ``"3 PCs"``
    and a ``"log_flops"`` predictor. One row per technique and predictor:
    ``technique`` (label: ``labels``, else :data:`TECHNIQUES`, else the setup's
    title), ``predictor``, ``n_test`` and ``test_mse`` (the book: one test set
    per technique, the models of known compute), ``authors_n_test`` and
    ``authors_mse`` (their code at the optimum of its objective, see
    :func:`~osl_helpers.setups.authors_reference`; their PC law is also scored
    on models whose compute is unknown).
    """
    if not comparisons:
        raise OSLInputError("no technique given")
    ref = authors_reference()
    ref_mse, ref_n = ref["mse"].to_dict(), ref["n_test"].to_dict()
    rows = []
    for key, cmp in comparisons.items():
        mse = cmp.table.set_index("predictor")["test_mse"].to_dict()
        n_test = cmp.table.set_index("predictor")["n_test"].to_dict()
        for name, ref_key in _AUTHORS_PREDICTORS.items():
            if name not in mse:
                raise OSLInputError(f"{key!r}: no {name!r} predictor in the comparison")
            if (key, ref_key) not in ref_mse:
                raise OSLInputError(f"no reference number of the authors for {key!r}")
            setup = PAPER_SETUPS.get(key)
            label = (labels or {}).get(key, TECHNIQUES.get(key, setup.title if setup else key))
            rows.append(
                {
                    "technique": label,
                    "predictor": name,
                    "n_test": int(n_test[name]),
                    "test_mse": float(mse[name]),
                    "authors_n_test": int(ref_n[(key, ref_key)]),
                    "authors_mse": float(ref_mse[(key, ref_key)]),
                }
            )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- numbers of the chapter

_COT, _SC = PAIR_LABELS[DEFAULT_PAIRS[0]], PAIR_LABELS[DEFAULT_PAIRS[1]]


def split_table(tasks: Mapping[str, TaskData]) -> pd.DataFrame:
    """The setups of ``tasks`` with their numbers of training, test and unknown-compute models."""
    columns = ["target", "benchmarks", "law", "loss", "split"]
    return (
        describe_setups()
        .loc[list(tasks), columns]
        .assign(
            train=[int(t.train.sum()) for t in tasks.values()],
            test=[int(t.test.sum()) for t in tasks.values()],
            unknown_flops=[int(t.excluded.sum()) for t in tasks.values()],
        )
    )


def split_numbers(tasks: Mapping[str, TaskData]) -> dict[str, float | int | str]:
    """CoT's split at the compute cutoff, models of unknown compute, models without a naive score."""
    cot = tasks["gsm8k_cot"]
    excluded = sorted(set().union(*(t.frame.index[t.excluded] for t in tasks.values())))
    no_naive = sorted(set(cot.frame.index) - set(tasks["gsm8k_naive"].frame.index))
    return {
        "pt_cutoff": float(cot.setup.cutoff_flops or np.nan),
        "pt_n_train": int(cot.train.sum()),
        "pt_n_test": int(cot.test.sum()),
        "pt_excluded": ", ".join(short_names(excluded)),
        "pt_no_naive": ", ".join(short_names(no_naive)),
    }


def fit_numbers(result: TechniqueFits, cot: TaskData) -> dict[str, float | int | str]:
    """Test MSE and h of each law (Eq. 6), the authors' test MSE, and h read as a ceiling.

    ``cot`` is the CoT task. The best CoT score of the models released after the
    paper is set against the h of a ``capped_sigmoid`` law, which caps accuracy at h.
    """
    authors = authors_reference()
    out: dict[str, float | int | str] = {}
    for key, row in result.table.iterrows():
        out[f"pt_mse_{key}"] = float(row["test_mse"])
        out[f"pt_h_{key}"] = float(row["h"])
        out[f"pt_authors_mse_{key}"] = float(authors["mse"][(str(key), "pcs_3")])
    out["pt_authors_n_test"] = int(authors["n_test"][("gsm8k_cot", "pcs_3")])
    out["pt_max_floor"] = float((1 - result.table["h"]).max())
    post = load_post_training()
    later = post[post["Model"].isin(PREREGISTERED_MODELS)].set_index("Model")[cot.setup.column]
    best = str(later.idxmax())
    capped = fit_task(cot.setup.with_(link="capped_sigmoid"))
    h = capped.law.h_
    out["pt_later_model"] = short_name(best)
    out["pt_later_cot"] = float(later[best])
    out["pt_capped_h"] = float(h)
    out["pt_capped_mse"] = capped.test_mse
    out["pt_test_above"] = int((cot.frame.loc[cot.test, "y"] > h).sum())
    out["pt_later_above"] = int((later > h).sum())
    return out


def gain_bands(
    result: TechniqueFits,
    replicates: Sequence[Mapping[str, BootstrapLaw]],
    x: Any,
    level: float = 0.9,
) -> pd.DataFrame:
    """Fitted gains (:func:`technique_gaps`) on ``x`` with their bootstrap band (:func:`gap_band`).

    Columns ``gain`` (the pair's label), ``x``, ``gap``, ``gap_slope``, ``lo``, ``hi``.
    """
    band = gap_band(bootstrap_gaps(replicates, x=x), level=level)
    gaps = technique_gaps(result, x=x).merge(band, on=["pair", "x"])
    return gaps.rename(columns={"pair": "gain"})


def gain_numbers(
    result: TechniqueFits,
    replicates: Sequence[Mapping[str, BootstrapLaw]],
    cot: TaskData,
    at_scales: pd.DataFrame,
) -> dict[str, float]:
    """Growth of the CoT and SC gains per decade, fitted and bootstrapped, and at 10^23, 10^24.

    Between the cutoff x0 of ``cot`` and the strongest held-out model x1, the
    mean growth of each gain is (gap(x1) − gap(x0)) / (x1 − x0); ``pt_boot_share``
    is the % of replicates in which CoT's gain grows faster than SC's.
    ``at_scales`` is :func:`gap_slope_table` at 23 and 24 (and possibly more).
    """
    x0, x1 = float(cot.cutoff_log10_flops or np.nan), result.test_range()[1]
    cot_gain = mean_gap_slope(result, *DEFAULT_PAIRS[0], x0, x1)
    sc_gain = mean_gap_slope(result, *DEFAULT_PAIRS[1], x0, x1)
    boot = bootstrap_gap_slopes(replicates, x0, x1)
    out = {
        "pt_x0": x0,
        "pt_x1": x1,
        "pt_cot_gain_slope": cot_gain,
        "pt_sc_gain_slope": sc_gain,
        "pt_gain_slope_ratio": cot_gain / sc_gain,
        "pt_boot_share": 100 * float((boot[_COT] > boot[_SC]).mean()),
        "pt_boot_sc_hi": float(boot[_SC].quantile(0.95)),
        "pt_boot_cot_lo": float(boot[_COT].quantile(0.05)),
    }
    for x in (23.0, 24.0):
        for name, pair in (("cot", _COT), ("sc", _SC)):
            out[f"pt_gap_{name}_{int(x)}"] = float(at_scales[f"{pair}: gain"][x])
            out[f"pt_dgap_{name}_{int(x)}"] = float(at_scales[f"{pair}: per decade"][x])
    return out


def peak_numbers(result: TechniqueFits) -> dict[str, float]:
    """Where the fitted gain of CoT over naive peaks (x on a 0.01 grid), its size and Ê of CoT."""
    fine = technique_gaps(result, [DEFAULT_PAIRS[0]], x=np.arange(22.0, 26.0, 0.01))
    i = int(np.argmax(fine["gap"].to_numpy()))
    x = float(fine["x"].iloc[i])
    return {
        "pt_peak_x": x,
        "pt_peak_gap": float(fine["gap"].iloc[i]),
        "pt_peak_cot": float(law_on_axis(result.fit("gsm8k_cot"), [x])[0]),
    }


def observed_summary(tasks: Mapping[str, TaskData]) -> pd.DataFrame:
    """Mean, median and count of the measured gains (:func:`observed_gains`) per pair and split."""
    observed = observed_gains(tasks)
    return (
        observed[observed["split"] != "excluded"]
        .groupby(["pair", "split"], sort=False)["gain"]
        .agg(["mean", "median", "count"])
    )


def observed_numbers(summary: pd.DataFrame) -> dict[str, float]:
    """The mean measured gains of :func:`observed_summary`, keyed ``pt_obs_{cot|sc}_{split}``."""
    out = {}
    for (pair, split), mean in zip(summary.index, summary["mean"], strict=True):
        out[f"pt_obs_{'cot' if pair == _COT else 'sc'}_{split}"] = float(mean)
    return out


def weight_change_table(
    result: TechniqueFits,
    replicates: Sequence[Mapping[str, BootstrapLaw]],
    before: str,
    after: str,
) -> pd.DataFrame:
    """:func:`weight_changes` with the bootstrap P(change > 0) and its 5% and 95% quantiles."""
    change = weight_changes(result, before, after)
    boot = bootstrap_weight_changes(replicates, before, after)
    change["P(change > 0)"] = (boot > 0).mean()
    change["change 5%"] = boot.quantile(0.05)
    change["change 95%"] = boot.quantile(0.95)
    return change


def weight_numbers(change: pd.DataFrame) -> dict[str, float]:
    """βᵀγ before and after, its change, P(change > 0) and the shares (%) of four benchmarks."""
    out = {}
    for bench, key in (
        ("MMLU", "mmlu"),
        ("HumanEval", "he"),
        ("Winograd", "wg"),
        ("TruthfulQA", "tqa"),
    ):
        out[f"pt_w_{key}_before"] = float(change["before"][bench])
        out[f"pt_w_{key}_after"] = float(change["after"][bench])
        out[f"pt_w_{key}_change"] = float(change["change"][bench])
        out[f"pt_w_{key}_p"] = 100 * float(change["P(change > 0)"][bench])
        out[f"pt_s_{key}_before"] = 100 * float(change["share_before"][bench])
        out[f"pt_s_{key}_after"] = 100 * float(change["share_after"][bench])
    return out


def comparison_numbers(table: pd.DataFrame, labels: Mapping[str, str]) -> dict[str, float | int]:
    """How often the PCs beat log FLOPs (:func:`compare_techniques`), and by how much.

    ``pt_closed_*`` is the share (%) of the gap between log FLOPs and 3 PCs
    that the mean benchmark closes; ``labels`` maps keys to the ``technique`` labels.
    """
    wide = table.pivot(index="technique", columns="predictor", values="test_mse")
    pcs = ["1 PC", "2 PCs", "3 PCs", "4 PCs"]
    flops = wide["log_flops"]
    out: dict[str, float | int] = {
        "pt_pc_wins": int((wide["3 PCs"] < flops).sum()),
        "pt_all_k_wins": int((wide[pcs].max(axis=1) < flops).sum()),
        "pt_n_techniques": len(wide),
    }
    closed = (flops - wide["mean_benchmark"]) / (flops - wide["3 PCs"])
    for key, label in labels.items():
        out[f"pt_ratio_{key}"] = float(flops[label] / wide["3 PCs"][label])
        out[f"pt_closed_{key}"] = 100 * float(closed[label])
        for col in ("mean_benchmark", "log_flops", "2 PCs", "3 PCs"):
            out[f"pt_cmp_{key}_{col.replace(' ', '_')}"] = float(wide[col][label])
    return out


def authors_numbers(versus: pd.DataFrame, result: TechniqueFits) -> dict[str, float]:
    """Largest relative gaps (%) to the authors' test MSEs: log FLOPs, and the PCs on their split.

    ``versus`` is :func:`authors_comparison`. The authors score the PC law on
    every held-out model with a score, compute known or not.
    """
    flops = versus[versus["predictor"] == "log_flops"]
    scored = result.points[result.points["split"] != "train"].dropna(subset=["y"])
    on_theirs = ((scored["y"] - scored["y_hat"]) ** 2).groupby(scored["key"]).mean()
    theirs = authors_reference().xs("pcs_3", level="predictor")["mse"].loc[on_theirs.index]
    return {
        "pt_flops_dev": 100 * float((flops["test_mse"] / flops["authors_mse"] - 1).abs().max()),
        "pt_on_theirs_dev": 100 * float((on_theirs / theirs - 1).abs().max()),
    }


def exercise_numbers(
    tasks: Mapping[str, TaskData], result: TechniqueFits
) -> dict[str, float | int]:
    """Solutions of the exercises: an earlier cutoff, Llama as reference family, no MMLU.

    ``result`` is :func:`fit_techniques` of ``tasks`` with the paper's setups.
    """
    early = {k: PAPER_SETUPS[k].with_(cutoff_flops=2.2e22) for k in TECHNIQUES}
    res_early = fit_techniques(early)
    _, tab_early = compare_techniques(early, predictors=(3, "log_flops"))
    w_early = tab_early.pivot(index="technique", columns="predictor", values="test_mse")
    x0, x1 = float(np.log10(2.2e22)), res_early.test_range()[1]
    table = result.table
    out: dict[str, float | int] = {
        "pt_ex_n_train": int(res_early.table["n_train"]["gsm8k_cot"]),
        "pt_ex_n_test": int(res_early.table["n_test"]["gsm8k_cot"]),
    }
    for key in TECHNIQUES:
        out[f"pt_ex_mse_{key}"] = float(res_early.table["test_mse"][key])
    out["pt_ex_wins"] = int((w_early["3 PCs"] < w_early["log_flops"]).sum())
    out["pt_ex_min_ratio"] = float((w_early["log_flops"] / w_early["3 PCs"]).min())
    out["pt_ex_cot_slope"] = mean_gap_slope(res_early, *DEFAULT_PAIRS[0], x0, x1)
    out["pt_ex_sc_slope"] = mean_gap_slope(res_early, *DEFAULT_PAIRS[1], x0, x1)
    llama = fit_techniques(tasks, reference_family="Llama")
    out["pt_ex_ref_diff"] = float((llama.table["test_mse"] - table["test_mse"]).abs().max())
    out["pt_ex_ref_w"] = float(llama.table["w_f"]["gsm8k_cot"])
    out["pt_ex_w"] = float(table["w_f"]["gsm8k_cot"])
    ref_gaps = gap_slope_table(llama, scales=(23.0,))
    out["pt_ex_ref_gap23"] = float(ref_gaps[f"{_COT}: gain"][23.0])
    out["pt_ex_ref_cot"] = mean_gap_slope(llama, *DEFAULT_PAIRS[0], 23.0, 24.0)
    out["pt_ex_ref_sc"] = mean_gap_slope(llama, *DEFAULT_PAIRS[1], 23.0, 24.0)
    # Without MMLU, the benchmark whose weight grows most from naive prompting to CoT.
    no_mmlu = fit_techniques(
        {
            k: PAPER_SETUPS[k].with_(
                benchmarks=tuple(b for b in PAPER_SETUPS[k].benchmarks if b != "MMLU")
            )
            for k in TECHNIQUES
        }
    )
    for key in TECHNIQUES:
        out[f"pt_ex_nommlu_{key}"] = float(no_mmlu.table["test_mse"][key])
        out[f"pt_ex_nommlu_ratio_{key}"] = float(
            no_mmlu.table["test_mse"][key] / table["test_mse"][key]
        )
    out["pt_ex_nommlu_cot"] = mean_gap_slope(no_mmlu, *DEFAULT_PAIRS[0], 23.0, 24.0)
    out["pt_ex_cot_23_24"] = mean_gap_slope(result, *DEFAULT_PAIRS[0], 23.0, 24.0)
    return out
