"""Paper Sec. 4.2 / Fig. 5: agent capabilities predicted from simple benchmarks."""

from __future__ import annotations

import pytest

import osl_helpers as osl


@pytest.fixture(scope="module")
def fits():
    return {k: osl.fit_task(k) for k in ("agentbench", "agentboard")}


def test_held_out_models_are_the_paper_s(fits) -> None:
    bench = fits["agentbench"].points
    assert set(bench.loc[bench["split"] == "test", "Model"]) == {"gpt-4-0613", "claude-2.0"}


def test_agentbench_held_out_prediction_is_close(fits) -> None:
    # Fig. 5: the held-out AgentBench scores are predicted closely. Tolerance: 0.05 on the
    # rescaled [0, 1] score (0.5 points of the 0-10 AgentBench scale).
    test = fits["agentbench"].points.query("split == 'test'")
    assert (test["y_hat"] - test["y"]).abs().max() < 0.05


def test_humaneval_dominates_and_the_targets_differ(fits) -> None:
    w = osl.agents.weights_frame(fits).pivot(index="benchmark", columns="target", values="weight")
    # Paper Fig. 5: HumanEval has the largest weight for both agent benchmarks ...
    assert w["agentbench"].idxmax() == "HumanEval"
    assert w["agentboard"].idxmax() == "HumanEval"
    # ... MMLU matters more for AgentBench, GSM8K more for AgentBoard.
    assert w.loc["MMLU", "agentbench"] > w.loc["MMLU", "agentboard"]
    assert w.loc["GSM8K", "agentboard"] > w.loc["GSM8K", "agentbench"]


def test_one_capability_underpredicts_gpt4() -> None:
    for key, gpt4 in (("agentbench", "gpt-4-0613"), ("agentboard", "gpt-4-0314")):
        pts = osl.fit_task(key, n_components=1).points.set_index("Model")
        assert pts.loc[gpt4, "y_hat"] < pts.loc[gpt4, "y"]
