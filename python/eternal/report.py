"""The demo's report: a short Markdown page and one PNG figure under ``out/``."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def write_figure(path: Path, images: np.ndarray, labels, keras_pred, chain_pred, phase_gas: dict[str, int]) -> None:
    """A few test digits with their Keras and on-chain predictions, and the gas of each deploy phase."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # The first test images, and up to two the chain gets wrong (so a mistake shows too).
    wrong = [int(i) for i in np.flatnonzero(np.asarray(chain_pred) != np.asarray(labels))[:2]]
    picked = ([i for i in range(len(images)) if i not in wrong][: 8 - len(wrong)] + wrong)[:8]
    shown = len(picked)
    figure = plt.figure(figsize=(12, 5.2))
    grid = figure.add_gridspec(2, shown, height_ratios=[1, 1.3])
    for column, k in enumerate(picked):
        axis = figure.add_subplot(grid[0, column])
        axis.imshow(images[k].reshape(8, 8), cmap="gray_r")
        colour = "green" if chain_pred[k] == labels[k] else "red"
        axis.set_title(f"label {labels[k]}\nKeras {keras_pred[k]} · chain {chain_pred[k]}", fontsize=9, color=colour)
        axis.axis("off")
    axis = figure.add_subplot(grid[1, :])
    names = list(phase_gas)
    values = [phase_gas[name] for name in names]
    bars = axis.barh(names, values, color="#4477aa")
    axis.bar_label(bars, labels=[f"{v:,}" for v in values], padding=3, fontsize=8)
    axis.set_xlabel("gas")
    axis.set_title("gas per deployment phase", fontsize=10)
    axis.invert_yaxis()
    axis.set_xlim(0, max(values, default=1) * 1.25)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def write_markdown(path: Path, figure_name: str, rows: list[tuple[str, str]], phases: list[tuple[str, float]]) -> None:
    """The summary table, the time of each phase and the figure."""
    lines = ["# Eternal demo: digits CNN on chain", "", "| what | value |", "|---|---|"]
    lines += [f"| {name} | {value} |" for name, value in rows]
    lines += ["", "| phase | seconds |", "|---|---|"]
    lines += [f"| {name} | {seconds:.2f} |" for name, seconds in phases]
    lines += ["", f"![test digits and gas per phase]({figure_name})", ""]
    path.write_text("\n".join(lines))
