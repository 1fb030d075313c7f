"""Writes bench/results.py's figures as ``RESULTS.md``, ``results/*.png`` and ``results/results.json``.

Pure: everything comes from the ``results`` dict one run measured; issue 12's targets are
the only numbers written here.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

FLOOR = 7.6  # gas per MAC: opcode floor of the SWAR loop (docs: DESIGN.md, performance notes)
RATIO_TARGETS = {"Conv2D 3x3": 1.5, "Conv2D 1x1": 1.1, "DepthwiseConv2D": 2.0}  # x Dense at the same precision
DENSE_INT8_TARGET = 10.0
VALUE_TARGET = 60  # gas per value, elementwise and shape layers
FIXED_TARGET = 15_000  # gas of a layer at one output pixel
ACTIVATION_TARGET = 400  # gas per value
MODEL_TARGETS = {"digits_cnn": ("gas", 800_000), "lenet": ("gas", 12_000_000), "resnet8": ("gas/MAC", 16),
                 "mobilenetv2": ("gas/MAC", 20)}
MODEL_TITLES = {"digits_cnn": "digits CNN (make demo)", "lenet": "Fashion-MNIST LeNet", "mlp": "MLP 256-1024-1024-10",
                "resnet8": "ResNet-8 (MLPerf Tiny)", "mobilenetv2": "MobileNetV2 a=0.35 96x96"}
PRECISIONS = ("int32", "int16", "int8")
OWN_SHARE = "model (tx, calldata, walk)"


def mark(ok: bool) -> str:
    return "met" if ok else "**not met**"


def ratio_target(kind: str) -> float | None:
    return next((bound for prefix, bound in RATIO_TARGETS.items() if kind.startswith(prefix)), None)


def per_mac(row: dict) -> dict:
    """Our gas per MAC of a MAC case at each precision."""
    return {p: row["ours"][p] / row["macs"] for p in PRECISIONS}


def baseline(model: dict, layers: dict) -> int:
    """A model's plain-Solidity estimate: each MAC layer's MACs x its plain type's gas per MAC
    plus its fused activation at our gas per value; every other layer, and the model's own
    share, as we measured them."""
    plain = {row["type"]: row["plain"]["gas"] / row["macs"] for row in layers["macLayers"]}
    activation = {row["activation"]: row["perValue"] for row in layers["activations"]} | {"linear": 0}
    total = model["model_gas"]
    for layer in model["layers"]:
        if layer["macs"]:
            total += plain[layer["baseline"]] * layer["macs"] + activation[layer["activation"]] * layer["outputs"]
        else:
            total += layer["gas"]
    return round(total)


def class_shares(model: dict) -> list[tuple[str, int, int, int, int]]:
    """``(class, layers, gas, MACs, output values)`` by layer class, costliest first, then the model's own share."""
    by = defaultdict(lambda: [0, 0, 0, 0])
    for layer in model["layers"]:
        if layer["gas"]:
            entry = by[layer["class_name"]]
            entry[0] += 1
            entry[1] += layer["gas"]
            entry[2] += layer["macs"]
            entry[3] += layer["outputs"]
    rows = sorted(((kind, *values) for kind, values in by.items()), key=lambda row: -row[2])
    return rows + [(OWN_SHARE, 0, model["model_gas"], 0, 0)]


def layer_section(layers: dict, figure: str) -> list[str]:
    lines = ["## 1. Gas per MAC by layer type, against the floor", "",
             (f"Gas inside the layer's call as `predict` makes it (the implementation called directly, the clone "
             f"named in the calldata; what `predict --profile` reports per layer), F = {layers['F']}, inputs "
             "uniform in [-1, 1], linear, with bias. MACs count only the taps inside the input. "
             f"Floor: the SWAR loop's opcode floor, ~{FLOOR} gas/MAC (DESIGN.md). \"x Dense\" is over Dense "
             "256 -> 256 at the same precision. The plain baseline (`contracts/bench/`: nested loops, checked "
             "int256, weights as `int256[]` calldata) is measured at execution only, so the calldata its weights "
             "would cost in a transaction (last column) is left out: a lower bound for it."), "",
             "| layer | shape | MACs | " + " | ".join(f"{p} gas/MAC (x Dense)" for p in PRECISIONS)
             + " | target | verdict | plain gas/MAC | plain weights' calldata gas/MAC |",
             "|---|---|---:|" + "---:|" * len(PRECISIONS) + "---|---|---:|---:|"]
    dense = per_mac(next(row for row in layers["macLayers"] if row["type"] == "Dense"))
    for row in layers["macLayers"]:
        ours = per_mac(row)
        cells = [f"{ours[p]:.2f} ({ours[p] / dense[p]:.2f}x)" for p in PRECISIONS]
        if row["type"] == "Dense":
            target, verdict = f"int8 <= {DENSE_INT8_TARGET:g}", mark(ours["int8"] <= DENSE_INT8_TARGET)
        else:
            bound = ratio_target(row["type"])
            met = [p for p in PRECISIONS if ours[p] / dense[p] <= bound]
            target = f"<= {bound:g}x Dense"
            verdict = mark(True) if len(met) == len(PRECISIONS) else ("**not met**" if not met else f"met at {', '.join(met)} only")
        plain = row["plain"]
        lines.append(f"| {row['type']} | {row['shape']} | {row['macs']:,} | " + " | ".join(cells)
                     + f" | {target} | {verdict} | {plain['gas'] / row['macs']:.0f} | {plain['weightCalldataGas'] / row['macs']:.0f} |")
    lines += ["", f"![gas per MAC by layer type](results/{figure})", "",
              ("Elementwise and shape layers (bench/elementwise.js: int32, inputs in [-4, 4]): gas per value is per "
              "output value, for poolings per input value (each output reads a window); \"1 pixel\" is the same "
              "layer at one output pixel of the channels shown, its fixed cost. Flatten and Reshape run no contract "
              "(0 gas in `predict`)."), "",
              "| layer | shape | gas | gas/in | gas/out | per value | <= 60 | 1 pixel (shape) | <= 15k |",
              "|---|---|---:|---:|---:|---:|---|---:|---|"]
    for row in layers["elementwise"]:
        value = row["gas"] / (row["ins"] if row["pooling"] else row["out"])
        lines.append(f"| {row['layer']} | {row['shape']} | {row['gas']:,} | {row['gas'] / row['ins']:.1f} | "
                     f"{row['gas'] / row['out']:.1f} | {value:.1f} | {mark(value <= VALUE_TARGET)} | "
                     f"{row['pixelGas']:,} ({row['pixelShape']}) | {mark(row['pixelGas'] <= FIXED_TARGET)} |")
    lines += ["", ("Activations (`Activation` layer, int32, 2,040 values in [-8, 8]; gas per value is the slope "
              "between 20 and 2,040 values, so the fixed cost drops out; softmax over runs of 10; exp is measured "
              "inside softmax, it has no layer of its own; relu shown for scale):"), "",
              "| activation | gas/value | target | verdict |", "|---|---:|---|---|"]
    for row in layers["activations"]:
        target = row["activation"] != "relu"
        lines.append(f"| {row['activation']} | {row['perValue']:.1f} | {f'<= {ACTIVATION_TARGET}' if target else '-'} | "
                     f"{mark(row['perValue'] <= ACTIVATION_TARGET) if target else '-'} |")
    return lines


def model_section(results: dict, figure: str) -> list[str]:
    lines = ["", "## 2. Whole-model gas against MACs, ours against a plain-Solidity baseline", "",
             ("Ours: one `predict` traced on the node as a transaction would run it (21,000 and calldata included), "
             "int32, seeded weights (bench/models.py; the digits CNN trained as in `make demo`), one sample. "
             "\"chain = emulator\": the on-chain output equals the emulator's bit for bit. "
             "**The baseline is an estimate from per-layer measurements**, not a deployed model: each Dense/Conv2D/"
             "DepthwiseConv2D layer costs its MACs (taps inside the input) x the plain contract's gas per MAC of "
             "its type (section 1: Dense; Conv2D 3x3 16 filters for any non-1x1 Conv2D; pointwise; depthwise) plus "
             "its fused activation at our gas per value; every layer without MACs (BatchNormalization, ReLU, Add, "
             "pooling, ...) and the model's own share count as we measured them, so nothing is counted twice and the "
             "baseline is favoured."), "",
             ("| model | params | MACs | ours: gas | gas/MAC | baseline estimate: gas | gas/MAC | baseline / ours "
             "| chain = emulator | issue 12 target | verdict |"), "|---|---:|---:|---:|---:|---:|---:|---:|---|---|---|"]
    for model in results["models"]:
        est = baseline(model, results["layers"])
        kind, bound = MODEL_TARGETS.get(model["name"], (None, None))
        value = model["gas"] if kind == "gas" else model["gas"] / model["macs"]
        target = "-" if kind is None else (f"<= {bound / 1e6:g}M gas" if kind == "gas" else f"<= {bound} gas/MAC")
        lines.append(f"| {MODEL_TITLES[model['name']]} | {model['params']:,} | {model['macs']:,} | {model['gas']:,} | "
                     f"{model['gas'] / model['macs']:.1f} | {est:,} | {est / model['macs']:.0f} | {est / model['gas']:.1f}x | "
                     f"{'yes' if model['exact'] else '**NO**'} | {target} | {'-' if kind is None else mark(value <= bound)} |")
    lines += ["", f"![whole-model gas against MACs](results/{figure})"]
    return lines + precision_section(results)


def precision_section(results: dict) -> list[str]:
    """The models with a gas/MAC target at every weight precision (each deployed and run afresh)."""
    rows = results.get("precisions", [])
    if not rows:
        return []
    lines = ["", "### By weight precision", "",
             ("The models with a gas/MAC target, deployed again at each weight precision (activations stay "
             "F = 24 fixed point) and run on the same sample. The SWAR kernels pack more filters a word at "
             "fewer weight bits. \"argmax = Keras\": the on-chain class is Keras's on that sample."), "",
             "| model | weights | gas | gas/MAC | chain = emulator | argmax = Keras | issue 12 target | verdict |",
             "|---|---|---:|---:|---|---|---|---|"]
    for row in rows:
        _, bound = MODEL_TARGETS[row["name"]]
        lines.append(f"| {MODEL_TITLES[row['name']]} | {row['precision']} | {row['gas']:,} | "
                     f"{row['gas'] / row['macs']:.2f} | {'yes' if row['exact'] else '**NO**'} | "
                     f"{'yes' if row['argmax'] else 'no'} | <= {bound} gas/MAC | {mark(row['gas'] / row['macs'] <= bound)} |")
    return lines


def share_section(results: dict, figure: str) -> list[str]:
    lines = ["", "## 3. Each model's per-layer share", "",
             (f"Gas of one `predict` by layer class; \"{OWN_SHARE}\" is the model contract's own share (the "
             "transaction's 21,000, calldata, graph walk, tensor copies). A MAC layer's gas includes its fused "
             "activation (LeNet's tanh, softmax). Per value: gas over the class's output values."),
             "", f"![per-layer share](results/{figure})"]
    for model in results["models"]:
        lines += ["", f"### {MODEL_TITLES[model['name']]}: {model['gas']:,} gas", "",
                  "| class | layers | gas | share | gas/MAC | gas/value |", "|---|---:|---:|---:|---:|---:|"]
        for kind, count, gas, macs, values in class_shares(model):
            lines.append(f"| {kind} | {count or '-'} | {gas:,} | {gas / model['gas']:.1%} | "
                         f"{f'{gas / macs:.1f}' if macs else '-'} | {f'{gas / values:.1f}' if values and not macs else '-'} |")
        top = sorted((layer for layer in model["layers"] if layer["gas"]), key=lambda layer: -layer["gas"])[:5]
        lines += ["", "Top layers: " + "; ".join(f"`{layer['name']}` ({layer['class_name']}) {layer['gas']:,} "
                                                   f"({layer['gas'] / model['gas']:.1%})" for layer in top) + "."]
    return lines


def plot_layers(layers: dict, path: Path) -> None:
    import matplotlib.pyplot as plt

    rows = layers["macLayers"]
    dense = per_mac(next(row for row in rows if row["type"] == "Dense"))
    figure, axis = plt.subplots(figsize=(11, 5))
    width = 0.27
    labelled = False
    for k, precision in enumerate(PRECISIONS):
        xs = [n + (k - 1) * width for n in range(len(rows))]
        axis.bar(xs, [per_mac(row)[precision] for row in rows], width, label=f"ours, {precision}")
        for x, row in zip(xs, rows):
            bound = DENSE_INT8_TARGET if row["type"] == "Dense" and precision == "int8" else (
                None if row["type"] == "Dense" else ratio_target(row["type"]) * dense[precision])
            if bound is not None:
                axis.hlines(bound, x - width / 2, x + width / 2, colors="black", linewidth=2,
                            label=None if labelled else "issue 12 target (per bar)")
                labelled = True
    axis.axhline(FLOOR, color="red", linestyle="--", label=f"SWAR floor ~{FLOOR}")
    axis.set_xticks(range(len(rows)), [row["type"].replace(" (", "\n(").replace(", ", "\n") for row in rows], fontsize=8)
    axis.set_ylabel("gas per MAC (inside the layer's call)")
    axis.set_title("Our layers: gas per MAC against the floor and issue 12's targets")
    axis.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def plot_models(results: dict, path: Path) -> None:
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(8, 6))
    macs = [model["macs"] for model in results["models"]]
    ours = [model["gas"] for model in results["models"]]
    plain = [baseline(model, results["layers"]) for model in results["models"]]
    axis.loglog(macs, ours, "o", label="ours (measured predict)")
    axis.loglog(macs, plain, "s", label="plain Solidity (estimate from per-layer measurements)")
    for model, x, a, b in zip(results["models"], macs, ours, plain):
        axis.plot([x, x], [a, b], color="grey", linewidth=0.8)
        axis.annotate(MODEL_TITLES[model["name"]], (x, a), textcoords="offset points", xytext=(6, -10), fontsize=8)
    span = [min(macs) / 2, max(macs) * 2]
    axis.loglog(span, [FLOOR * m for m in span], "r--", linewidth=1, label=f"{FLOOR} gas/MAC (SWAR floor)")
    axis.set_xlabel("MACs per sample")
    axis.set_ylabel("gas per predict")
    axis.set_title("Whole-model gas against MACs")
    axis.legend(fontsize=8)
    axis.grid(True, which="major", alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def plot_shares(results: dict, path: Path) -> None:
    import matplotlib.pyplot as plt

    shares = {model["name"]: {kind: gas / model["gas"] for kind, _, gas, _, _ in class_shares(model)} for model in results["models"]}
    kinds = sorted({kind for share in shares.values() for kind in share}, key=lambda k: (k == OWN_SHARE, -sum(s.get(k, 0) for s in shares.values())))
    figure, axis = plt.subplots(figsize=(10, 1.2 + 0.7 * len(shares)))
    colours = plt.get_cmap("tab20").colors
    names = list(shares)
    left = [0.0] * len(names)
    for k, kind in enumerate(kinds):
        values = [shares[name].get(kind, 0) * 100 for name in names]
        axis.barh([MODEL_TITLES[name] for name in names], values, left=left, label=kind, color=colours[k % len(colours)])
        left = [a + b for a, b in zip(left, values)]
    axis.invert_yaxis()
    axis.set_xlabel("share of one predict's gas (%)")
    axis.set_xlim(0, 100)
    axis.set_title("Each model's gas by layer class")
    axis.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    figure.tight_layout()
    figure.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(figure)


def write(results: dict, out: Path) -> None:
    """``out/RESULTS.md`` and ``out/results/{layers,models,shares}.png, results.json``."""
    import matplotlib

    matplotlib.use("Agg")
    folder = out / "results"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "results.json").write_text(json.dumps(results, indent=1) + "\n")
    plot_layers(results["layers"], folder / "layers.png")
    plot_models(results, folder / "models.png")
    plot_shares(results, folder / "shares.png")
    lines = ["# Benchmark results (issue 12)", "",
             (f"One run of `bench/results.py` on {results['date']}, {results['seconds']} s, on one node: "
             f"{results['node']}. Every figure below, and in the plots, comes from that run "
             "(raw: [results/results.json](results/results.json))."), ""]
    lines += layer_section(results["layers"], "layers.png")
    lines += model_section(results, "models.png")
    lines += share_section(results, "shares.png")
    (out / "RESULTS.md").write_text("\n".join(lines) + "\n")
