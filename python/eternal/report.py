"""The demo's report: a short Markdown page and one PNG figure under ``out/``."""

from __future__ import annotations

from pathlib import Path

import numpy as np

CORRECT, WRONG = "green", "red"


def millions(gas: float, decimals: int = 2) -> str:
    """``1_163_452`` -> ``"1.16M"``: gas as people read it."""
    return f"{gas / 1e6:.{decimals}f}M"


def build_figure(images: np.ndarray, labels, keras_pred, chain_pred, phase_gas: dict[str, int], predict_gas: int | None = None):
    """The report figure (a matplotlib ``Figure``, no pyplot state).

    Top: a few test digits with their label and the Keras and on-chain predictions,
    red where the chain misclassifies. Bottom: the gas of each deployment phase.
    The title gives both accuracies and the number of images whose on-chain argmax
    differs from Keras's.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.layout_engine import ConstrainedLayoutEngine
    from matplotlib.patches import Patch
    from matplotlib.ticker import FuncFormatter

    labels, keras_pred, chain_pred = (np.asarray(a) for a in (labels, keras_pred, chain_pred))
    count = len(labels)
    differences = int(np.sum(keras_pred != chain_pred))
    figure = Figure(figsize=(12, 6.4), layout=ConstrainedLayoutEngine(w_pad=0.12, h_pad=0.08))
    FigureCanvasAgg(figure)
    figure.suptitle(
        f"Digits CNN on chain, {count} test images: accuracy Keras {np.mean(keras_pred == labels):.2%}, "
        f"on chain {np.mean(chain_pred == labels):.2%}\n"
        f"{differences} difference{'' if differences == 1 else 's'} "
        "(images whose on-chain argmax differs from Keras)",
        fontsize=12,
    )
    digits_panel, gas_panel = figure.subfigures(2, 1, height_ratios=[1, 1.25])

    # The first test images, and up to two the chain gets wrong (so a mistake shows too).
    wrong = [int(i) for i in np.flatnonzero(chain_pred != labels)[:2]]
    picked = ([i for i in range(len(images)) if i not in wrong][: 8 - len(wrong)] + wrong)[:8]
    for axis, k in zip(digits_panel.subplots(1, len(picked), squeeze=False)[0], picked):
        axis.imshow(images[k].reshape(8, 8), cmap="gray_r")
        colour = CORRECT if chain_pred[k] == labels[k] else WRONG
        axis.set_title(f"label {labels[k]}\nKeras {keras_pred[k]} · chain {chain_pred[k]}", fontsize=9, color=colour)
        axis.axis("off")
    digits_panel.legend(
        handles=[
            Patch(color=CORRECT, label="on-chain prediction = label"),
            Patch(color=WRONG, label="misclassified (on-chain prediction ≠ label)"),
        ],
        loc="outside lower center",
        ncols=2,
        fontsize=9,
        frameon=False,
    )

    axis = gas_panel.subplots()
    names = list(phase_gas)
    values = [phase_gas[name] for name in names]
    bars = axis.barh(names, values, color="#4477aa")
    axis.bar_label(bars, labels=[millions(v) for v in values], padding=3, fontsize=8)
    # Whole millions on the axis, so matplotlib puts no "1e6" offset in the corner.
    axis.xaxis.set_major_formatter(FuncFormatter(lambda value, _: "0" if value == 0 else f"{value / 1e6:g}M"))
    axis.set_xlabel("gas")
    title = f"gas per deployment phase (total {millions(sum(values))})"
    if predict_gas is not None:
        title += f"; predict: {millions(predict_gas)} gas per image"
    axis.set_title(title, fontsize=10)
    axis.invert_yaxis()
    axis.set_xlim(0, max(values, default=1) * 1.15)
    return figure


def write_figure(path: Path, images: np.ndarray, labels, keras_pred, chain_pred, phase_gas: dict[str, int], predict_gas: int | None = None):
    """Writes :func:`build_figure` as a PNG at ``path``; returns the figure."""
    figure = build_figure(images, labels, keras_pred, chain_pred, phase_gas, predict_gas)
    figure.savefig(path, dpi=110)
    return figure


def write_markdown(path: Path, figure_name: str, rows: list[tuple[str, str]], phases: list[tuple[str, float]]) -> None:
    """The summary table, the time of each phase and the figure."""
    lines = ["# Eternal demo: digits CNN on chain", "", "| what | value |", "|---|---|"]
    lines += [f"| {name} | {value} |" for name, value in rows]
    lines += ["", "| phase | seconds |", "|---|---|"]
    lines += [f"| {name} | {seconds:.2f} |" for name, seconds in phases]
    lines += ["", f"![test digits and gas per phase]({figure_name})", ""]
    path.write_text("\n".join(lines))
