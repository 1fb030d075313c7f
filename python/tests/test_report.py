"""The demo report's figure, checked through matplotlib's own objects (no chain, no Keras)."""

from __future__ import annotations

import numpy as np

from eternal.report import build_figure, millions, write_figure

PHASE_GAS = {"layer implementations (once per chain)": 7_454_284, "weight pages": 2_131_149, "finalize": 240_725}


def _predictions():
    """Ten images: Keras wrong on image 3; the chain wrong on 3 and also on 7 (one difference from Keras)."""
    labels = np.arange(10)
    keras_pred = labels.copy()
    keras_pred[3] = 5
    chain_pred = keras_pred.copy()
    chain_pred[7] = 1
    images = np.random.default_rng(0).uniform(0, 16, size=(10, 8, 8, 1))
    return images, labels, keras_pred, chain_pred


def _gas_axis(figure):
    axes = [axis for panel in figure.subfigs for axis in panel.axes if axis.get_xlabel() == "gas"]
    assert len(axes) == 1
    return axes[0]


def test_millions():
    assert millions(1_163_452) == "1.16M"
    assert millions(14_051_396) == "14.05M"
    assert millions(240_725) == "0.24M"


def test_title_gives_both_accuracies_and_the_differences():
    figure = build_figure(*_predictions(), PHASE_GAS, predict_gas=1_163_452)
    title = figure.get_suptitle()
    assert "10 test images" in title
    assert "accuracy Keras 90.00%" in title and "on chain 80.00%" in title
    assert "1 difference " in title
    zero = build_figure(*_predictions()[:3], _predictions()[2], PHASE_GAS).get_suptitle()
    assert "0 differences" in zero and "on chain 90.00%" in zero


def test_legend_explains_the_red_digits():
    figure = build_figure(*_predictions(), PHASE_GAS)
    legends = figure.legends + [legend for panel in figure.subfigs for legend in panel.legends]
    texts = [text.get_text() for legend in legends for text in legend.get_texts()]
    assert any("misclassified" in text for text in texts), texts
    red = [axis.title.get_text() for panel in figure.subfigs for axis in panel.axes if axis.title.get_color() == "red"]
    assert red == ["label 3\nKeras 5 · chain 5", "label 7\nKeras 7 · chain 1"]


def test_gas_axis_is_in_millions_without_an_offset():
    figure = build_figure(*_predictions(), PHASE_GAS, predict_gas=1_163_452)
    figure.canvas.draw()
    axis = _gas_axis(figure)
    assert axis.xaxis.get_offset_text().get_text() == ""
    ticks = [label.get_text() for label in axis.get_xticklabels() if label.get_text()]
    assert ticks[0] == "0" and all(tick.endswith("M") for tick in ticks[1:]), ticks
    assert [text.get_text() for text in axis.texts] == ["7.45M", "2.13M", "0.24M"]
    assert "predict: 1.16M gas per image" in axis.get_title()


def test_write_figure_writes_a_png(tmp_path):
    path = tmp_path / "report.png"
    figure = write_figure(path, *_predictions(), PHASE_GAS)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000
    assert figure.get_suptitle().startswith("Digits CNN on chain")
