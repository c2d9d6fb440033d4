"""Unit tests of the leaderboard helpers (the chapter's claims are in test_paper_leaderboard)."""

from __future__ import annotations

import pandas as pd
import pytest

import osl_helpers as osl


def _entry(key: str, predictor: str, mse: float, test: list[str]) -> dict[str, object]:
    return {"key": key, "predictor": predictor, "mse_converged": mse, "test_models": test,
            "published": key == "bbh"}  # fmt: skip


def test_authors_comparison_aligns_tasks_and_predictors() -> None:
    table = pd.DataFrame(
        {
            "target": ["gpqa", "gpqa", "bbh", "bbh"],
            "predictor": ["3 PCs", "log_flops"] * 2,
            "n_test": [2, 2, 3, 3],
            "test_mse": [0.1, 0.2, 0.3, 0.4],
        }
    )
    reference = {
        "setups": [
            _entry("bbh", "pcs_3", 0.35, ["a", "b", "c", "org/x"]),
            _entry("bbh", "log_flops", 0.4, ["a", "b", "c"]),
            _entry("gpqa", "pcs_3", 0.15, ["a", "b"]),
            _entry("gpqa", "log_flops", 0.2, ["a", "b"]),
            _entry("gpqa", "something_else", 9.0, []),
        ]
    }
    side = osl.leaderboard.authors_comparison(table, reference)
    assert list(side.index) == ["gpqa", "bbh"]  # the table's order, not alphabetical
    assert side.loc["bbh", "book_pcs"] == 0.3 and side.loc["bbh", "authors_pcs"] == 0.35
    assert side.loc["bbh", "authors_n_test_pcs"] == 4
    assert side.loc["bbh", "pcs_only"] == "x"
    assert side.loc["gpqa", "pcs_only"] == ""
    assert side.loc["bbh", "published"] and not side.loc["gpqa", "published"]


def test_setup_table_describes_each_task() -> None:
    table = osl.leaderboard.setup_table(["gpqa", "mmlu_pro"])
    assert list(table.index) == ["gpqa", "mmlu_pro"]
    assert table.loc["gpqa", "cutoff"] == "Qwen/Qwen1.5-7B"
    assert table.loc["mmlu_pro", "cutoff"].endswith("FLOPs")
    assert table.loc["gpqa", "source"] == "authors"
    assert table.loc["mmlu_pro", "source"] == "extension"
    task = osl.load_task("gpqa")
    assert table.loc["gpqa", "n_train"] == task.train.sum()
    assert table.loc["gpqa", "n_below_chance"] == (task.y < 0).sum()


def test_diagnostics_accept_setup_changes() -> None:
    plain = osl.leaderboard.diagnostics(["gpqa"])
    floor = osl.leaderboard.diagnostics(["gpqa"], link="h_sigmoid")
    assert plain.loc["gpqa", "test_var"] == pytest.approx(floor.loc["gpqa", "test_var"])
    assert plain.loc["gpqa", "test_skill"] != floor.loc["gpqa", "test_skill"]
    skill = 1 - osl.fit_task("gpqa").test_mse / plain.loc["gpqa", "test_var"]
    assert plain.loc["gpqa", "test_skill"] == pytest.approx(skill)
