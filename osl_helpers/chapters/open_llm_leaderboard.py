"""Observational scaling at leaderboard scale: the final Open LLM Leaderboards v1 and v2.

Ruan, Maddison & Hashimoto (2024) extract principal capabilities (Eq. 5) from
77 base models. The two Open LLM Leaderboards hold thousands of models of
every kind — pretrained, fine-tuned, chat, merged, mixtures of experts — in
one harness. The functions here put the paper's method to them, always through
the package's estimators (:class:`~osl_helpers.capabilities.CapabilityPCA`,
:class:`~osl_helpers.law.ObservationalScalingLaw`,
:func:`~osl_helpers.evaluation.compare_predictors`):

1. :func:`variance_table`, :func:`paper_space` and :func:`pc1_reading` — is
   the capability space still low-rank, and is it the paper's?
2. :func:`base_pairs` and :func:`shift_summary` — how far fine-tuning, chat
   training and merging move a model from its base, and along which tasks;
3. :func:`rolling_out_of_time` — predict a hard v2 task of later models from
   their other tasks, for monthly cutoffs;
4. :func:`v1_v2_frame`, :func:`v1_to_v2` and :func:`v1_to_v2_diagnostics` —
   the leaderboard chapter's analysis on every model in both tables;
5. :func:`capability_outliers` — scores far from what a model's other
   capabilities predict, beside the leaderboard's own flags.

Each section has a ``*_numbers`` function returning the plain numbers the
chapter quotes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from osl_helpers import data
from osl_helpers._validation import NotEnoughModelsError, OSLInputError, require_columns
from osl_helpers.capabilities import CapabilityPCA
from osl_helpers.chapters.lowrank import explained_variance_table, subset_structure
from osl_helpers.evaluation import Comparison, Predictor, Split, compare_predictors, stack_tables
from osl_helpers.law import ObservationalScalingLaw, normalize_target
from osl_helpers.setups import PAPER_SETUPS, TaskSetup

__all__ = [
    "CONTAMINATION_DEMO",
    "HARD_TASKS",
    "LEADERBOARD_LAW",
    "PARAMS_CUTOFF_B",
    "TYPES_SHOWN",
    "V1_CHANCE",
    "V1_TO_PAPER",
    "V2_SETUPS",
    "base_pairs",
    "capability_outliers",
    "capability_scores",
    "chance",
    "data_numbers",
    "diagnostics_long",
    "exercise_numbers",
    "load",
    "low_rank_numbers",
    "monthly_cutoffs",
    "out_of_time_losses",
    "out_of_time_lost_cells",
    "out_of_time_numbers",
    "outlier_numbers",
    "outlier_view",
    "paper_agreement",
    "paper_space",
    "pc1_reading",
    "rolling_out_of_time",
    "shift_numbers",
    "shift_summary",
    "skill_with_gsm8k",
    "tasks",
    "top_outliers",
    "type_counts",
    "v1_benchmarks",
    "v1_to_v2",
    "v1_to_v2_diagnostics",
    "v1_v2_frame",
    "v1_v2_numbers",
    "variance_table",
]

#: v1 task → the paper's name of the same benchmark (the six both share).
V1_TO_PAPER: dict[str, str] = {
    "MMLU": "MMLU", "ARC": "ARC-C", "HellaSwag": "HellaSwag", "Winogrande": "Winograd",
    "TruthfulQA": "TruthfulQA", "GSM8K": "GSM8K",
}  # fmt: skip
#: v2 task → the leaderboard chapter's setup (its chance level, law and loss).
V2_SETUPS: dict[str, str] = {
    "BBH": "bbh", "GPQA": "gpqa", "MATH Lvl 5": "math_hard", "MMLU-PRO": "mmlu_pro",
    "IFEval": "ifeval", "MUSR": "musr",
}  # fmt: skip
#: The v2 tasks predicted out of time (IFEval and BBH are among the predictors only).
HARD_TASKS: tuple[str, ...] = ("MATH Lvl 5", "GPQA", "MMLU-PRO", "MUSR")
#: Model types with enough models on both leaderboards to analyse one by one.
TYPES_SHOWN: tuple[str, ...] = ("pretrained", "fine-tuned", "chat", "merge")
#: Models up to this size (billions of parameters) train in the v1 → v2 test; larger
#: ones are predicted. The 7–8B class, the most common size, is on the training side.
PARAMS_CUTOFF_B = 9.0
#: Chance level of the v1 tasks that have one (TruthfulQA's MC2 and GSM8K do not).
V1_CHANCE: dict[str, float] = {
    v1: data.CHANCE[paper] for v1, paper in V1_TO_PAPER.items() if data.CHANCE.get(paper, 0.0) > 0
}
#: The leaderboard's own demonstration of a contaminated model (v1).
CONTAMINATION_DEMO = "Contamination/contaminated_proof_7b_v1.0"
#: The law of the leaderboard setups (the authors' leaderboard notebook, as in the
#: leaderboard chapter): Eq. 6 with h = 1, a plain sigmoid, fitted with Huber loss
#: (δ = 1) to a score rescaled from its chance level. Every law of this chapter uses it,
#: on v1 tasks as on v2 ones, so that its results compare with that chapter's.
LEADERBOARD_LAW: dict[str, Any] = {
    k: v for k, v in PAPER_SETUPS["bbh"].law_kwargs().items() if k != "n_components"
}


def tasks(version: data.OLLVersion) -> list[str]:
    """The six tasks of a leaderboard version, under the leaderboard's names."""
    return list(data.OLL_TASKS[version])


def load(version: data.OLLVersion) -> pd.DataFrame:
    """:func:`~osl_helpers.data.load_open_llm_leaderboard`, indexed by model name.

    Adds ``Model Family``: the model's namespace on the Hub (the part before
    "/"), which :func:`~osl_helpers.evaluation.compare_predictors` reports
    with each prediction.
    """
    df = data.load_open_llm_leaderboard(version)
    df["Model Family"] = df["Model"].str.split("/").str[0]
    return df.set_index("Model", drop=False).rename_axis(None)


def _setup(task: str) -> TaskSetup:
    if task not in V2_SETUPS:
        raise OSLInputError(f"unknown v2 task {task!r}; use one of {list(V2_SETUPS)}")
    return PAPER_SETUPS[V2_SETUPS[task]]


def chance(version: data.OLLVersion, task: str) -> float:
    """The chance level a task's score is rescaled from.

    v2: the leaderboard chapter's setup of the task (BBH the mean of its subtasks'
    chance levels, GPQA 0.25, MMLU-Pro 0.1, MuSR 0.33, IFEval and MATH Level 5 0);
    v1: :data:`V1_CHANCE`, 0 for TruthfulQA (MC2 has no single chance level) and GSM8K.
    """
    if version == "v2":
        return _setup(task).low
    if task not in V1_TO_PAPER:
        raise OSLInputError(f"unknown v1 task {task!r}; use one of {list(V1_TO_PAPER)}")
    return V1_CHANCE.get(task, 0.0)


def _target(frame: pd.DataFrame, task: str) -> pd.Series:
    """The task's raw score rescaled from its chance level as in the leaderboard chapter
    (not clipped: a model below chance keeps a negative target)."""
    setup = _setup(task)
    return normalize_target(frame[task].astype(float), low=setup.low, high=setup.high)


# --------------------------------------------------------------------------- the tables


def data_numbers(v1: pd.DataFrame, v2: pd.DataFrame) -> dict[str, float]:
    """Sizes of the two tables: raw rows, distinct models, repeated models, flags, overlap."""
    out: dict[str, float] = {"both": float(len(v1.index.intersection(v2.index)))}
    for version, f in (("v1", v1), ("v2", v2)):
        out[f"{version}_rows"] = float(f["n_rows"].sum())
        out[f"{version}_models"] = float(len(f))
        out[f"{version}_repeated"] = float((f["n_rows"] > 1).sum())
        for flag in ("flagged", "merged", "moe"):
            out[f"{version}_{flag}"] = float(f[flag].sum())
        out[f"{version}_first_year"] = float(f["date"].min().year)
        out[f"{version}_last_year"] = float(f["date"].max().year)
    out["v2_with_base"] = float(v2["base_model"].isin(v2.index).sum())
    return out


def type_counts(v1: pd.DataFrame, v2: pd.DataFrame) -> pd.DataFrame:
    """Models of each normalised type (rows, in :data:`~osl_helpers.data.OLL_MODEL_TYPES`
    order) on each leaderboard (columns)."""
    counts = {v: f["Model Type"].value_counts() for v, f in (("v1", v1), ("v2", v2))}
    out = pd.DataFrame(counts).reindex(list(data.OLL_MODEL_TYPES)).fillna(0).astype(int)
    return out.rename_axis("model type")


# --------------------------------------------------------------------------- 1. low rank


def variance_table(
    frame: pd.DataFrame, version: data.OLLVersion, groups: Sequence[str] = TYPES_SHOWN
) -> pd.DataFrame:
    """Share of variance of every principal component (Eq. 5), for all models and per type.

    Columns: version, subset ("all" or a model type), models, component, k,
    ratio, cumulative (see :func:`osl_helpers.chapters.lowrank.explained_variance_table`).
    """
    cols = tasks(version)
    require_columns(frame, ["Model Type", *cols], "frame")
    frames = {"all": frame, **{g: frame[frame["Model Type"] == g] for g in groups}}
    sizes = {name: len(f) for name, f in frames.items()}
    out = explained_variance_table(frames, benchmarks=cols)
    out = out.assign(version=version, models=out["subset"].map(sizes))
    out["group"] = version + ": " + out["subset"] + " (" + out["models"].map("{:,}".format) + ")"
    return out


def paper_agreement(v1: pd.DataFrame) -> pd.DataFrame:
    """For the paper's base models also on leaderboard v1: how closely the scores agree.

    One row per shared benchmark: ``models`` (in both tables),
    ``median_abs_diff`` and ``share_within_0.005`` (share of models whose two
    scores differ by less than half a percentage point).
    """
    paper = data.load_base_benchmarks("all").set_index("Model")
    both = v1.index.intersection(paper.index)
    rows = []
    for v1_name, paper_name in V1_TO_PAPER.items():
        diff = (v1.loc[both, v1_name] - paper.loc[both, paper_name]).abs().dropna()
        rows.append(
            {
                "benchmark": paper_name,
                "models": len(diff),
                "median_abs_diff": float(diff.median()),
                "share_within_0.005": float((diff < 0.005).mean()),
            }
        )
    return pd.DataFrame(rows).set_index("benchmark")


def paper_space(
    v1: pd.DataFrame, n_components: int = 3, groups: Sequence[str] = TYPES_SHOWN
) -> pd.DataFrame:
    """How much of v1's variance the paper's capability space explains.

    The reference is a :class:`CapabilityPCA` with K = ``n_components`` fitted
    on the paper's 77 models, on the six benchmarks both tables share. Each
    row (all v1 models, then one per type) is
    :func:`osl_helpers.chapters.lowrank.subset_structure`: the subset's own top-K
    share, the share of the frozen paper subspace, the difference and the
    principal angles between the two subspaces.
    """
    shared = list(V1_TO_PAPER.values())
    paper = data.load_base_benchmarks("paper")
    renamed = v1.rename(columns=V1_TO_PAPER)
    frames = {
        "paper (77 base models)": paper,
        "v1: all": renamed,
        **{f"v1: {g}": renamed[renamed["Model Type"] == g] for g in groups},
    }
    table = subset_structure(frames, "paper (77 base models)", n_components, shared)
    return table.assign(models=[len(f) for f in frames.values()])


def pc1_reading(frame: pd.DataFrame, version: data.OLLVersion) -> dict[str, float]:
    """Does PC-1 read as "general capability"? Its loadings and what it tracks.

    Returns the PC-1 share, the smallest and largest loading (γ of PC-1, unit
    norm), the correlation of the PC-1 score with the mean task score and with
    log10 parameters (over models with a known size).
    """
    cols = tasks(version)
    pca = CapabilityPCA(n_components=3).fit(frame[cols])
    load_pc1 = pca.components_.loc["PC-1"].to_numpy(dtype=float)
    s1 = pca.transform(frame[cols])["PC-1"]
    sized = frame["log10_params"].notna()
    return {
        "pc1_share": float(pca.explained_variance_ratio_[0]),
        "min_loading": float(load_pc1.min()),
        "max_loading": float(load_pc1.max()),
        "corr_mean": float(np.corrcoef(s1, frame[cols].mean(axis=1))[0, 1]),
        "corr_log_params": float(np.corrcoef(s1[sized], frame.loc[sized, "log10_params"])[0, 1]),
    }


def capability_scores(frame: pd.DataFrame, version: data.OLLVersion) -> pd.DataFrame:
    """PC-1 and PC-2 of every model (PCA on all models of the version), with its metadata."""
    cols = tasks(version)
    S = CapabilityPCA(n_components=2).fit_transform(frame[cols])
    meta = frame[["Model", "Model Type", "date", "params_b"]]
    return pd.concat([meta, S], axis=1).reset_index(drop=True)


def low_rank_numbers(
    shares: pd.DataFrame,
    space: pd.DataFrame,
    readings: dict[str, dict[str, float]],
    agreement: pd.DataFrame,
) -> dict[str, float]:
    """The numbers section 1 quotes: shares per version and type, the paper's space on v1,
    the PC-1 reading and the agreement of the paper's scores with v1's."""
    out: dict[str, float] = {}
    for (version, subset), g in shares.groupby(["version", "subset"]):
        key = f"{version}_{str(subset).replace(' ', '_').replace('-', '_')}"
        ratio = g.set_index("k")["ratio"]
        out[f"{key}_pc1"] = float(ratio[1])
        out[f"{key}_top3"] = float(ratio[[1, 2, 3]].sum())
        out[f"{key}_models"] = float(g["models"].iloc[0])
    for ver, g in shares[shares["subset"] != "all"].groupby("version"):
        for stat, k_comp, col in (("pc1", 1, "ratio"), ("top3", 3, "cumulative")):
            vals = g.loc[g["k"] == k_comp, col]
            out[f"{ver!s}_types_{stat}_min"] = float(vals.min())
            out[f"{ver!s}_types_{stat}_max"] = float(vals.max())
    row = space.loc["v1: all"].to_dict()
    out["paper_own_top3"] = float(space["own_share"].iloc[0])
    for name in ("own_share", "frozen_share", "share_lost", "angle_PC-1"):
        out[f"v1_{name.replace('-', '').lower()}"] = float(row[name])
    for theta_col, theta in row.items():
        if str(theta_col).startswith("theta_"):
            out[f"v1_{theta_col!s}"] = float(theta)
    out["agree_models"] = float(agreement["models"].max())
    out["agree_share_min"] = float(agreement["share_within_0.005"].min())
    per_type = space.drop(index=["paper (77 base models)", "v1: all"])
    out["max_type_share_lost"] = float(per_type["share_lost"].max())
    for version, reading in readings.items():
        for stat_name, stat_value in reading.items():
            out[f"{version}_{stat_name}"] = stat_value
    return out


# --------------------------------------------------------------------------- 2. near the base


def base_pairs(v2: pd.DataFrame, n_components: int = 3, seed: int = 0) -> pd.DataFrame:
    """Every v2 model whose recorded base model is another model of the table, with its shift.

    Capabilities S come from one :class:`CapabilityPCA` (K = ``n_components``)
    fitted on all v2 models. Columns: ``Model``, ``base_model``, ``Model Type``,
    ``date``; ``distance`` = ‖S(model) − S(base)‖; ``distance_random`` = the
    distance from the base to a random other model of the table (one draw per
    pair, from ``seed``), the yardstick for "near"; ``ΔPC-k`` and ``Δ<task>``
    = model − base.
    """
    cols = tasks("v2")
    require_columns(v2, ["Model", "base_model", "Model Type", "date", *cols], "v2")
    S = CapabilityPCA(n_components=n_components).fit_transform(v2[cols].set_axis(v2["Model"]))
    child = v2[v2["base_model"].isin(S.index) & (v2["base_model"] != v2["Model"])]
    if child.empty:
        raise NotEnoughModelsError("no model has a base model that is also in the table")
    s_child = S.loc[child["Model"]].to_numpy()
    s_base = S.loc[child["base_model"]].to_numpy()
    rng = np.random.default_rng(seed)
    others = S.to_numpy()[rng.integers(0, len(S), size=len(child))]
    out = pd.DataFrame(
        {
            "Model": child["Model"].to_numpy(),
            "base_model": child["base_model"].to_numpy(),
            "Model Type": child["Model Type"].to_numpy(),
            "date": child["date"].to_numpy(),
            "distance": np.linalg.norm(s_child - s_base, axis=1),
            "distance_random": np.linalg.norm(others - s_base, axis=1),
        }
    )
    for j, pc in enumerate(S.columns):
        out[f"Δ{pc}"] = s_child[:, j] - s_base[:, j]
    base_scores = v2.set_index("Model").loc[child["base_model"], cols].to_numpy()
    for j, task in enumerate(cols):
        out[f"Δ{task}"] = child[task].to_numpy() - base_scores[:, j]
    return out


def shift_summary(pairs: pd.DataFrame, min_pairs: int = 10) -> pd.DataFrame:
    """Per model type (with at least ``min_pairs`` pairs) and task: the distribution of Δ.

    Columns: ``Model Type``, ``task``, ``pairs``, ``q25``, ``median``, ``q75``
    and ``share_up`` (share of models scoring above their base).
    """
    deltas = [c for c in pairs.columns if c.startswith("Δ") and not c.startswith("ΔPC")]
    rows = []
    for kind, g in pairs.groupby("Model Type"):
        if len(g) < min_pairs:
            continue
        for col in deltas:
            d = g[col]
            rows.append(
                {
                    "Model Type": kind,
                    "task": col[1:],
                    "pairs": len(d),
                    "q25": float(d.quantile(0.25)),
                    "median": float(d.median()),
                    "q75": float(d.quantile(0.75)),
                    "share_up": float((d > 0).mean()),
                }
            )
    return pd.DataFrame(rows)


def shift_numbers(pairs: pd.DataFrame, summary: pd.DataFrame) -> dict[str, float]:
    """The numbers section 2 quotes: pairs, distances and the median shift of each task."""
    out: dict[str, float] = {
        "pairs": float(len(pairs)),
        "near_ratio": float(pairs["distance"].median() / pairs["distance_random"].median()),
        "share_nearer": float((pairs["distance"] < pairs["distance_random"]).mean()),
        "merge_pairs": float((pairs["Model Type"] == "merge").sum()),
    }
    # Distances only for the types the summary keeps (enough pairs to quote a median).
    for kind, g in pairs[pairs["Model Type"].isin(summary["Model Type"])].groupby("Model Type"):
        key = str(kind).replace(" ", "_").replace("-", "_")
        out[f"{key}_pairs"] = float(len(g))
        out[f"{key}_distance"] = float(g["distance"].median())
    for _, r in summary.iterrows():
        key = f"{r['Model Type']}_{r['task']}".replace(" ", "_").replace("-", "_")
        out[f"{key}_median"] = float(r["median"])
        out[f"{key}_share_up"] = float(r["share_up"])
    post = summary[summary["Model Type"].isin(["chat", "fine-tuned"])]
    out["max_other_abs_median"] = float(post.loc[post["task"] != "IFEval", "median"].abs().max())
    return out


# --------------------------------------------------------------------------- 3. out of time


def monthly_cutoffs(
    v2: pd.DataFrame, first: str = "2024-07-01", min_test: int = 300
) -> list[pd.Timestamp]:
    """Month starts from ``first`` on, while at least ``min_test`` models were submitted later."""
    dates = v2["date"].dropna()
    out = []
    for cut in pd.date_range(first, dates.max(), freq="MS"):
        if int((dates >= cut).sum()) >= min_test:
            out.append(cut)
    return out


def _time_split(
    frame: pd.DataFrame, cutoff: pd.Timestamp, months_ahead: int | None = None
) -> Split:
    """Train on models submitted before ``cutoff``; test on later ones (only those of the
    next ``months_ahead`` months if given); models without a date or after the window are
    excluded."""
    unknown = frame["date"].isna()
    later = frame["date"] >= cutoff
    beyond = pd.Series(False, index=frame.index)
    if months_ahead is not None:
        beyond = frame["date"] >= cutoff + pd.DateOffset(months=months_ahead)
    excluded = unknown | beyond
    reason = pd.Series("", index=frame.index, dtype=object)
    reason = reason.mask(beyond, "after the test window").mask(unknown, "date unknown")
    test = later & ~excluded
    return Split(
        ~later & ~excluded, test, excluded, f"submitted before {cutoff:%Y-%m-%d}", reason
    )  # fmt: skip


def rolling_out_of_time(
    v2: pd.DataFrame,
    targets: Sequence[str] = HARD_TASKS,
    cutoffs: Sequence[pd.Timestamp] | None = None,
    predictors: Sequence[Predictor] = (3, "log_params", "mean_benchmark"),
    months_ahead: int | None = None,
) -> pd.DataFrame:
    """Fit on models submitted before each cutoff, predict the later ones, per hard task.

    The target is the task rescaled from its chance level as in the leaderboard
    chapter; the benchmarks are the other five v2 tasks. Every predictor uses
    the setup's law (:data:`LEADERBOARD_LAW`) and is scored on one identical test set per
    (target, cutoff) (:func:`~osl_helpers.evaluation.compare_predictors`): all
    later models, or only those submitted within ``months_ahead`` months of the
    cutoff. Columns: target, cutoff, predictor, n_train, n_test, test_mse, test_mae.
    """
    if months_ahead is not None and months_ahead < 1:
        raise OSLInputError(f"months_ahead must be at least 1; got {months_ahead}")
    cols = tasks("v2")
    require_columns(v2, ["Model", "Model Family", "date", "log10_params", *cols], "v2")
    cuts = monthly_cutoffs(v2) if cutoffs is None else list(cutoffs)
    rows = []
    for target in targets:
        setup = _setup(target)
        frame = v2.assign(y=_target(v2, target))
        benchmarks = [c for c in cols if c != target]
        for cut in cuts:
            comp = compare_predictors(
                frame, "y", benchmarks, _time_split(frame, cut, months_ahead), predictors,
                link=setup.link, loss=setup.loss, huber_delta=setup.huber_delta,
            )  # fmt: skip
            rows.append(comp.table.assign(target=target, cutoff=cut))
    out = pd.concat(rows, ignore_index=True)
    first = ["target", "cutoff", "predictor"]
    return out[first + [c for c in out.columns if c not in first]]


def out_of_time_numbers(
    table: pd.DataFrame,
    pcs: str = "3 PCs",
    baselines: Sequence[str] = ("log_params", "mean_benchmark"),
) -> dict[str, float]:
    """How often, and by how much, ``pcs`` beats each baseline over the (target, cutoff) cells.

    Per baseline ``b``: ``wins_<b>`` (share of cells where ``pcs`` has the lower
    test MSE), ``won_<b>`` and ``lost_<b>`` (numbers of such cells and of the
    others), ``ratio_<b>`` (geometric mean of baseline MSE / ``pcs`` MSE; above 1
    favours ``pcs``), ``worst_<b>`` (the smallest ratio over the cells) and, per
    target, ``ratio_<b>_<target>`` (geometric mean over its cutoffs). Also
    ``cells``, ``cutoffs``, ``min_test`` and ``max_train``.
    """
    wide = table.pivot_table(index=["target", "cutoff"], columns="predictor", values="test_mse")
    out: dict[str, float] = {"cells": float(len(wide)), "cutoffs": float(table["cutoff"].nunique())}
    out["min_test"] = float(table["n_test"].min())
    out["max_train"] = float(table["n_train"].max())
    for b in baselines:
        ratio = wide[b] / wide[pcs]
        key = b.replace(" ", "_")
        won = wide[pcs] < wide[b]
        out[f"wins_{key}"] = float(won.mean())
        out[f"won_{key}"] = float(won.sum())
        out[f"lost_{key}"] = float((~won).sum())
        out[f"ratio_{key}"] = float(math.exp(np.log(ratio).mean()))
        out[f"worst_{key}"] = float(ratio.min())
        for target, r in ratio.groupby(level="target"):
            tkey = str(target).replace(" ", "_").replace("-", "_")
            out[f"ratio_{key}_{tkey}"] = float(math.exp(np.log(r).mean()))
    return out


def out_of_time_losses(
    table: pd.DataFrame, baseline: str = "log_params", pcs: str = "3 PCs"
) -> pd.DataFrame:
    """The (target, cutoff) cells where ``baseline`` has a test MSE no higher than ``pcs``.

    Columns: target, cutoff, n_train, n_test, the two test MSEs and ``ratio``
    (baseline MSE / ``pcs`` MSE, at most 1 here), sorted by target and cutoff.
    """
    wide = table.pivot_table(
        index=["target", "cutoff"], columns="predictor", values=["test_mse", "n_train", "n_test"]
    )
    mse = wide["test_mse"]
    lost = mse[pcs] >= mse[baseline]
    out = pd.DataFrame(
        {
            "n_train": wide["n_train"][pcs][lost].astype(int),
            "n_test": wide["n_test"][pcs][lost].astype(int),
            pcs: mse[pcs][lost],
            baseline: mse[baseline][lost],
            "ratio": (mse[baseline] / mse[pcs])[lost],
        }
    )
    return out.reset_index().sort_values(["target", "cutoff"]).reset_index(drop=True)


def out_of_time_lost_cells(table: pd.DataFrame, baseline: str = "log_params") -> str:
    """The cells of :func:`out_of_time_losses` in words, e.g. "MUSR at the July 2024 cutoff"."""
    lost = out_of_time_losses(table, baseline)
    return "; ".join(f"{r.target} at the {r.cutoff:%B %Y} cutoff" for r in lost.itertuples())


# --------------------------------------------------------------------------- 4. v1 → v2


def v1_v2_frame(v1: pd.DataFrame, v2: pd.DataFrame) -> pd.DataFrame:
    """Models in both tables: their v1 tasks under the paper's names and their v2 tasks.

    Size, type, family and date come from v2 (v2 gives sizes to three
    decimals, v1 in whole billions).
    """
    both = v1.index.intersection(v2.index)
    old = v1.loc[both, list(V1_TO_PAPER)].rename(columns=V1_TO_PAPER)
    meta = ["Model", "Model Family", "Model Type", "date", "params_b", "log10_params"]
    return pd.concat([v2.loc[both, meta + tasks("v2")], old], axis=1).sort_index()


def v1_benchmarks(key: str) -> list[str]:
    """The benchmarks of a leaderboard setup (``key``, e.g. ``"bbh"``) that v1 has.

    The setups take the seven old benchmarks other than GSM8K (as the authors'
    notebook does); XWinograd and HumanEval are not on v1, which leaves MMLU,
    ARC-C, HellaSwag, Winograd and TruthfulQA (the paper's names).
    """
    if key not in V2_SETUPS.values():
        raise OSLInputError(
            f"unknown leaderboard setup {key!r}; use one of {list(V2_SETUPS.values())}"
        )
    return [b for b in PAPER_SETUPS[key].benchmarks if b in V1_TO_PAPER.values()]


def v1_to_v2(
    frame: pd.DataFrame,
    predictors: Sequence[Predictor] = (1, 2, 3, "log_params", "mean_benchmark"),
    cutoff_b: float = PARAMS_CUTOFF_B,
    benchmarks: Sequence[str] | None = None,
) -> tuple[pd.DataFrame, dict[str, Comparison]]:
    """Each v2 task from the v1 capabilities, trained on small models, tested on large ones.

    The leaderboard chapter's comparison on the models of both leaderboards:
    the target is rescaled as in its setup and fitted with the setup's law, on
    the setup's benchmarks that v1 has (:func:`v1_benchmarks`) unless
    ``benchmarks`` names others (e.g. all six v1 tasks, GSM8K included);
    models up to ``cutoff_b`` billion parameters train, larger ones are the
    test set, models of unknown size are left out.
    """
    unknown = frame["params_b"].isna()
    test = (frame["params_b"] > cutoff_b) & ~unknown
    reason = pd.Series("", index=frame.index, dtype=object).mask(unknown, "size unknown")
    split = Split(~test & ~unknown, test, unknown, f"train on ≤ {cutoff_b:g}B", reason)
    comps = {}
    for task, key in V2_SETUPS.items():
        setup = PAPER_SETUPS[key]
        inputs = v1_benchmarks(key) if benchmarks is None else list(benchmarks)
        comps[key] = compare_predictors(
            frame.assign(y=_target(frame, task)), "y", inputs, split, predictors,
            link=setup.link, loss=setup.loss, huber_delta=setup.huber_delta,
        )  # fmt: skip
    return stack_tables(comps, key="target"), comps


def v1_to_v2_diagnostics(
    frame: pd.DataFrame, comps: dict[str, Comparison], pcs: str = "3 PCs"
) -> pd.DataFrame:
    """The leaderboard chapter's diagnostics (:func:`osl_helpers.chapters.leaderboard.diagnostics`).

    Per target: ``chance``, ``spread`` (standard deviation of the rescaled
    score), ``train_r2`` and ``test_skill`` (1 − test MSE / variance of the test
    scores) of the ``pcs`` law, ``corr_mmlu`` (with v1 MMLU), ``n_train``, ``n_test``.
    """
    rows = []
    for task, key in V2_SETUPS.items():
        y = _target(frame, task)
        pts = comps[key].predictions
        pts = pts[pts["predictor"] == pcs]
        train, test = pts[pts["split"] == "train"], pts[pts["split"] == "test"]
        resid = train["y"] - train["y_hat"]
        rows.append(
            {
                "target": key,
                "chance": PAPER_SETUPS[key].low,
                "spread": float(y.std()),
                "train_r2": float(
                    1 - (resid**2).sum() / ((train["y"] - train["y"].mean()) ** 2).sum()
                ),
                "test_skill": float(
                    1 - ((test["y"] - test["y_hat"]) ** 2).mean() / np.var(test["y"])
                ),
                "corr_mmlu": float(np.corrcoef(frame["MMLU"], y)[0, 1]),
                "n_train": len(train),
                "n_test": len(test),
            }
        )
    return pd.DataFrame(rows).set_index("target")


def skill_with_gsm8k(frame: pd.DataFrame, task: str = "math_hard") -> float:
    """Held-out skill of the 3-PC law on ``task`` with all six v1 tasks as inputs, GSM8K included.

    As :func:`v1_to_v2` and :func:`v1_to_v2_diagnostics`, with the paper's names of
    :data:`V1_TO_PAPER` as benchmarks.
    """
    _, comps = v1_to_v2(frame, predictors=(3,), benchmarks=list(V1_TO_PAPER.values()))
    return float(v1_to_v2_diagnostics(frame, comps)["test_skill"][task])


def diagnostics_long(
    here: pd.DataFrame, chapter10: pd.DataFrame, labels: tuple[str, str]
) -> pd.DataFrame:
    """Both diagnostics tables in long form (target, diagnostic, models, value) for a chart.

    ``labels`` names the two sets of models, e.g. ("chapter 10: base models", "both leaderboards").
    """
    rows = []
    for label, table in zip(labels, (chapter10, here), strict=True):
        for diag in ("spread", "train_r2", "test_skill", "corr_mmlu"):
            for key in here.index:
                rows.append(
                    {"target": key, "diagnostic": diag, "models": label,
                     "value": float(table.loc[key, diag])}
                )  # fmt: skip
    return pd.DataFrame(rows)


def v1_v2_numbers(
    table: pd.DataFrame, here: pd.DataFrame, chapter10: pd.DataFrame
) -> dict[str, float]:
    """The numbers section 4 quotes: sizes, MSEs and diagnostics beside the leaderboard
    chapter's (``chapter10``: :func:`osl_helpers.chapters.leaderboard.diagnostics`).

    ``n_ch10`` counts the models that chapter fits and tests on (known training
    FLOPs), ``size_ratio`` the models fitted and tested here over that number,
    ``skill_sign_agree`` the tasks whose held-out skill has the same sign in both.
    """
    wide = table.pivot(index="target", columns="predictor", values="test_mse")
    n_ch10 = float((chapter10["n_train"] + chapter10["n_test"]).max())
    out: dict[str, float] = {
        "n_train": float(table["n_train"].iloc[0]),
        "n_test": float(table["n_test"].iloc[0]),
        "n_ch10": n_ch10,
        "size_ratio": float(table["n_train"].iloc[0] + table["n_test"].iloc[0]) / n_ch10,
        "pcs_beat_params": float((wide["3 PCs"] < wide["log_params"]).sum()),
        "pcs_beat_mean": float((wide["3 PCs"] < wide["mean_benchmark"]).sum()),
        "tasks": float(len(wide)),
    }
    for key in wide.index:
        for col, name in (("3 PCs", "pc"), ("log_params", "params"), ("mean_benchmark", "mean")):
            out[f"{key}_{name}"] = float(wide.loc[key, col])
        out[f"{key}_mean_ratio"] = float(wide.loc[key, "mean_benchmark"] / wide.loc[key, "3 PCs"])
        for diag in ("train_r2", "test_skill", "corr_mmlu", "spread"):
            out[f"{key}_{diag}"] = float(here.loc[key, diag])
            out[f"{key}_{diag}_ch10"] = float(chapter10.loc[key, diag])
    agree = (np.sign(here["test_skill"]) == np.sign(chapter10.loc[here.index, "test_skill"])).sum()
    out["skill_sign_agree"] = float(agree)
    return out


# --------------------------------------------------------------------------- 5. outliers


def capability_outliers(
    frame: pd.DataFrame,
    version: data.OLLVersion = "v1",
    n_components: int = 3,
    folds: int = 5,
    seed: int = 0,
) -> pd.DataFrame:
    """Each task predicted from a model's other tasks, out of fold; residuals in robust z units.

    For every task, an :class:`ObservationalScalingLaw` with K =
    ``n_components`` principal capabilities of the other five tasks and the
    leaderboard law (:data:`LEADERBOARD_LAW`, on the score rescaled from its
    :func:`chance` level) is fitted on (``folds`` − 1)/``folds`` of the models
    and predicts the held-out fold (folds drawn from ``seed``), so no model's
    own score shapes its prediction. ``predicted`` is mapped back to the raw
    score. ``z`` is the residual (observed − predicted) over 1.4826 × its
    median absolute deviation, i.e. in standard deviations for normal
    residuals but unmoved by the outliers themselves. Long table: Model, Model
    Type, date, flagged, task, observed, predicted, residual, z.
    """
    cols = tasks(version)
    require_columns(frame, ["Model", "Model Type", "date", "flagged", *cols], "frame")
    if folds < 2:
        raise OSLInputError(f"folds must be at least 2; got {folds}")
    fold = np.random.default_rng(seed).permutation(len(frame)) % folds
    parts = []
    for task in cols:
        others = [c for c in cols if c != task]
        low = chance(version, task)
        y = normalize_target(frame[task].astype(float), low=low)
        pred = np.empty(len(frame))
        for f in range(folds):
            held = fold == f
            law = ObservationalScalingLaw(n_components=n_components, **LEADERBOARD_LAW)
            law.fit(frame.loc[~held, others], y[~held])
            pred[held] = low + (1.0 - low) * law.predict(frame.loc[held, others])
        resid = frame[task].to_numpy(float) - pred
        mad = float(np.median(np.abs(resid - np.median(resid))))
        parts.append(
            pd.DataFrame(
                {
                    "Model": frame["Model"].to_numpy(),
                    "Model Type": frame["Model Type"].to_numpy(),
                    "date": frame["date"].to_numpy(),
                    "flagged": frame["flagged"].to_numpy(),
                    "task": task,
                    "observed": frame[task].to_numpy(float),
                    "predicted": pred,
                    "residual": resid,
                    "z": resid / (1.4826 * mad),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def outlier_numbers(
    outliers: pd.DataFrame,
    z_cut: float = 4.0,
    demo: str = CONTAMINATION_DEMO,
    near_chance: float = 0.03,
) -> dict[str, float]:
    """The numbers section 5 quotes: outliers per task and their overlap with the flags.

    An outlier scores more than ``z_cut`` robust standard deviations *above*
    its prediction on a task (what contamination would produce). Returns per
    task the number of outliers; over all tasks the models that are outliers
    on at least one task, the share of flagged and of unflagged models among
    them, the share one flagged model makes (``share_one_flagged``), the
    demonstration model's z on each task (and their range), the
    number of (model, task) outliers, how many of them have a score within
    ``near_chance`` of chance on another task (:data:`V1_CHANCE`), and how many
    GSM8K outliers carry "math" in their name.
    """
    above = outliers.assign(out=outliers["z"] > z_cut)
    per_model = above.groupby("Model").agg(out=("out", "any"), flagged=("flagged", "first"))
    flagged = per_model[per_model["flagged"]]
    clean = per_model[~per_model["flagged"]]
    out: dict[str, float] = {
        "z_cut": z_cut,
        "models": float(len(per_model)),
        "outlier_models": float(per_model["out"].sum()),
        "flagged_models": float(len(flagged)),
        "flagged_outliers": float(flagged["out"].sum()),
        "share_flagged_outlier": float(flagged["out"].mean()) if len(flagged) else float("nan"),
        "share_one_flagged": 1.0 / len(flagged) if len(flagged) else float("nan"),
        "share_clean_outlier": float(clean["out"].mean()),
    }
    for task, g in above.groupby("task"):
        key = str(task).replace(" ", "_").replace("-", "_")
        out[f"{key}_outliers"] = float(g["out"].sum())
        row = g[g["Model"] == demo]
        out[f"demo_z_{key}"] = float(row["z"].iloc[0]) if len(row) else float("nan")
    demo_z = above.loc[above["Model"] == demo, "z"]
    out["demo_z_min"] = float(demo_z.min()) if len(demo_z) else float("nan")
    out["demo_z_max"] = float(demo_z.max()) if len(demo_z) else float("nan")
    # An outlier next to a near-chance score on another task: a failed evaluation there,
    # rather than a strength here, is the likelier reading.
    wide = outliers.pivot(index="Model", columns="task", values="observed")
    near = pd.DataFrame({t: wide[t] < c + near_chance for t, c in V1_CHANCE.items() if t in wide})
    pairs = above[above["out"]]
    beside = [
        bool(near.loc[m, [t for t in near.columns if t != task]].any())
        for m, task in zip(pairs["Model"], pairs["task"], strict=True)
    ]
    out["outlier_pairs"] = float(len(pairs))
    out["pairs_beside_chance"] = float(sum(beside))
    out["share_beside_chance"] = float(np.mean(beside)) if beside else float("nan")
    by_task = pd.Series(beside, index=pairs["task"].to_numpy(), dtype=bool).groupby(level=0).sum()
    for task_name, n in by_task.items():
        out[f"{str(task_name).replace(' ', '_').replace('-', '_')}_beside_chance"] = float(n)
    gsm = pairs[pairs["task"] == "GSM8K"]
    out["gsm8k_math_named"] = float(gsm["Model"].str.contains("math", case=False).sum())
    return out


def outlier_view(outliers: pd.DataFrame, task: str = "GSM8K", z_cut: float = 4.0) -> pd.DataFrame:
    """One task of :func:`capability_outliers` with a ``status`` for the chart.

    ``status`` is "flagged by the leaderboard", "capability outlier" (z above
    ``z_cut``), "both" or "neither"; ``show`` is true for every status but
    "neither" (those models are always drawn).
    """
    g = outliers[outliers["task"] == task].reset_index(drop=True)
    high = g["z"] > z_cut
    status = np.select(
        [g["flagged"] & high, g["flagged"], high],
        ["both", "flagged by the leaderboard", "capability outlier"],
        "neither",
    )
    return g.assign(status=status, show=status != "neither")


def top_outliers(outliers: pd.DataFrame, n: int = 3, z_cut: float = 4.0) -> pd.DataFrame:
    """The ``n`` largest positive z of each task, with the number of outliers above ``z_cut``."""
    rows = outliers.sort_values("z", ascending=False).groupby("task", sort=False).head(n)
    cols = ["task", "Model", "Model Type", "flagged", "observed", "predicted", "z"]
    counts = (outliers["z"] > z_cut).groupby(outliers["task"]).sum()
    out = rows[cols].assign(outliers_in_task=rows["task"].map(counts))
    return out.sort_values(["task", "z"], ascending=[True, False]).reset_index(drop=True)


def exercise_numbers(
    v1: pd.DataFrame,
    v2: pd.DataFrame,
    rolling: pd.DataFrame,
    outliers: pd.DataFrame,
) -> dict[str, float]:
    """Solutions of the exercises: a one-month test window; outliers with one component.

    ``rolling`` is :func:`rolling_out_of_time` of ``v2`` (all later models) and
    ``outliers`` :func:`capability_outliers` of ``v1`` with three components.
    ``ex_m1_*``: :func:`out_of_time_numbers` with ``months_ahead=1`` (wins and
    losses against both baselines, MSE ratios, smallest test set);
    ``ex_all_*`` the same of ``rolling``. ``ex_k1_*`` and ``ex_k3_*``:
    :func:`outlier_numbers` with one and three components (outlier models,
    GSM8K outliers, math-named GSM8K outliers), and ``ex_k1_mad_<task>`` over
    ``ex_k3_mad_<task>``'s ratio ``ex_mad_ratio_<task>`` (how much wider the
    robust scale of the residuals is with one component).
    """
    month = out_of_time_numbers(rolling_out_of_time(v2, months_ahead=1))
    every = out_of_time_numbers(rolling)
    out: dict[str, float] = {}
    for name, nums in (("m1", month), ("all", every)):
        for key in ("cells", "min_test", "won_log_params", "lost_log_params", "won_mean_benchmark",
                    "lost_mean_benchmark", "ratio_log_params", "ratio_mean_benchmark",
                    "worst_log_params", "worst_mean_benchmark"):  # fmt: skip
            out[f"ex_{name}_{key}"] = nums[key]
    one = capability_outliers(v1, n_components=1)
    for name, table in (("k1", one), ("k3", outliers)):
        nums = outlier_numbers(table)
        for key in ("outlier_models", "outlier_pairs", "GSM8K_outliers", "gsm8k_math_named"):
            out[f"ex_{name}_{key}"] = nums[key]
    for task, g in one.groupby("task"):
        key = str(task).replace(" ", "_").replace("-", "_")
        g3 = outliers[outliers["task"] == task]
        mad1 = float(np.median(np.abs(g["residual"] - g["residual"].median())))
        mad3 = float(np.median(np.abs(g3["residual"] - g3["residual"].median())))
        out[f"ex_mad_ratio_{key}"] = mad1 / mad3
    return out
