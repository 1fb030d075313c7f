"""A Keras model (2 or 3, Sequential or Functional, nested) as a flat list of layers.

The structure comes from the model's own JSON (``to_json``), whose inbound
nodes differ between versions: Keras 2 writes ``[[["x", 0, 0, {}]]]``, Keras 3
``[{"args": [{"class_name": "__keras_tensor__", "config": {"keras_history":
["x", 0, 0]}}], "kwargs": {}}]``. Both become ``inbound = [[layer index, 0]]``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from eternal.errors import UnsupportedLayerError
from eternal.extended_activations import canonical_name
from eternal.keras_io import ACTIVATION_OPS, CONTAINERS, LAYER_OPS, SCALAR_OPS, check_supported, is_operation, library_of
from eternal.layers import LayerType, lookup


@dataclass
class Node:
    """One layer of the flattened graph, with the live Keras layer behind it."""

    name: str
    class_name: str
    raw_config: dict
    inbound: list[list[int]]
    live: object = None
    output_shape: list = field(default_factory=list)
    layer_type: LayerType | None = None
    config: dict = field(default_factory=dict)


class GraphBuilder:
    """Walks a model's JSON, recursing into nested models, into a list of Nodes."""

    def __init__(self):
        self.nodes: list[Node] = []
        self.inputs: list[int] = []
        self.library: str | None = None

    def build(self, model) -> tuple[list[Node], list[int], list[list[int]]]:
        """Returns ``(nodes, input indices, output refs)`` for a built Keras model."""
        config = json.loads(model.to_json())
        check_supported(config)
        self.library = library_of(model)
        outputs = self._container(config, model, prefix="", inputs=None)
        return self.nodes, self.inputs, outputs

    # Containers ---------------------------------------------------------------------

    def _container(self, config: dict, live, prefix: str, inputs):
        if config["class_name"] == "Sequential":
            return self._sequential(config["config"], live, prefix, inputs)
        return self._functional(config["config"], live, prefix, inputs)

    def _sequential(self, config: dict, live, prefix: str, inputs):
        layers = list(config["layers"])
        if layers and layers[0]["class_name"] == "InputLayer":
            first = layers.pop(0)
            shape_source = first["config"]
        else:
            shape_source = layers[0]["config"] if layers else {}
        if inputs is None:
            shape = shape_source.get("batch_shape") or shape_source.get("batch_input_shape")
            if shape is None:
                raise UnsupportedLayerError(
                    "The Sequential model has no input shape: build it (model.build or an Input) before exporting"
                )
            current = [self._add_input("input", {"batch_shape": shape}, None)]
        else:
            current = inputs[:1]
        for index, layer in enumerate(layers):
            sub = self._live_child(live, layer, index)
            if layer["class_name"] in CONTAINERS:
                current = self._container(layer, sub, f"{prefix}{layer['config']['name']}/", current)[:1]
            else:
                current = [self._add(prefix + layer["config"]["name"], layer, current, sub)]
        return current

    def _functional(self, config: dict, live, prefix: str, inputs):
        produced: dict[str, list[list[int]]] = {}
        input_names = [ref[0] for ref in _refs(config["input_layers"])]
        pending = list(config["layers"])
        while pending:
            progressed = False
            for layer in list(pending):
                name = layer["config"].get("name", layer.get("name"))
                sources = _inbound_history(layer, self._where(prefix + name, layer)) + _keyword_tensors(layer)
                if any(src not in produced for src, _, _ in sources):
                    continue
                pending.remove(layer)
                progressed = True
                incoming = [produced[src][tensor] for src, _, tensor in sources]
                sub = live.get_layer(name) if live is not None and not is_operation(layer) else None
                if layer["class_name"] == "InputLayer":
                    if inputs is None:
                        produced[name] = [self._add_input(prefix + name, layer["config"], sub)]
                    else:
                        produced[name] = [inputs[input_names.index(name)]]
                elif layer["class_name"] in CONTAINERS:
                    produced[name] = self._container(layer, sub, f"{prefix}{name}/", incoming)
                elif is_operation(layer):
                    class_name, raw = _operation(layer, prefix + name)
                    raw = self._activation_names(raw)
                    produced[name] = [self._append(Node(prefix + name, class_name, raw, incoming))]
                else:
                    produced[name] = [self._add(prefix + name, layer, incoming, sub)]
            if not progressed:
                raise UnsupportedLayerError(f"Model graph has a cycle or a dangling input near {pending[0].get('name')!r}")
        return [produced[name][tensor] for name, _, tensor in _refs(config["output_layers"])]

    # Layers -------------------------------------------------------------------------

    def _add_input(self, name: str, raw: dict, live) -> list[int]:
        self.inputs.append(len(self.nodes))
        return self._append(Node(name, "InputLayer", raw, [], live))

    def _add(self, name: str, layer: dict, incoming: list[list[int]], live) -> list[int]:
        raw = self._activation_names(layer["config"])
        kwargs = _call_options(layer)
        if kwargs:  # e.g. MultiHeadAttention's use_causal_mask: the layer's normaliser reads them
            raw = {**raw, CALL_OPTIONS: kwargs}
        if getattr(live, "causal", None) is True:  # tf_keras' deprecated Attention(causal=True), not in get_config
            raw = {**raw, "causal": True}
        return self._append(Node(name, layer["class_name"], raw, incoming, live))

    def _activation_names(self, raw: dict) -> dict:
        """``raw`` with its activation names canonical: one name per function in both libraries
        (``swish`` is ``silu``; tf_keras' ``hard_sigmoid``, 0.2 x + 0.5, is ``hard_sigmoid_tf``), the
        layers a wrapper holds (Bidirectional, TimeDistributed) included."""
        raw = dict(raw)
        for key in ("layer", "backward_layer"):
            if isinstance(raw.get(key), dict) and isinstance(raw[key].get("config"), dict):
                raw[key] = {**raw[key], "config": self._activation_names(raw[key]["config"])}
        for key in ("activation", "recurrent_activation"):
            value = raw.get(key)
            if isinstance(value, dict) and str(value.get("config")).startswith("eternal>"):
                value = value["config"].removeprefix("eternal>")  # a function `pull` registered
            if isinstance(value, str):
                raw[key] = canonical_name(value, self.library)
        return raw

    def _append(self, node: Node) -> list[int]:
        node.layer_type = lookup(node.class_name, node.name)
        input_shapes = [self.nodes[i].output_shape for i, _ in node.inbound]
        node.config = node.layer_type.normalise(node.raw_config, input_shapes)
        if len(self.nodes) in self.inputs:  # a model input: its shape is its config's
            node.output_shape = list(node.config["shape"])
        elif node.live is None:  # a tensor operation (_operation): elementwise
            node.output_shape = list(input_shapes[0])
        else:
            node.output_shape = node.layer_type.fixed_output_shape(node.config) or _output_shape(node, input_shapes)
        self.nodes.append(node)
        return [len(self.nodes) - 1, 0]

    @staticmethod
    def _live_child(live, layer: dict, index: int):
        if live is None:
            return None
        name = layer["config"]["name"]
        try:
            return live.get_layer(name)
        except ValueError:
            return None

    @staticmethod
    def _where(name: str, layer: dict) -> str:
        return f"Layer '{name}' ({layer['class_name']})"


def _refs(value) -> list[list]:
    """``input_layers``/``output_layers`` as a list of [name, node, tensor] (Keras 3 may write one flat triple)."""
    if value and isinstance(value[0], str):
        return [value]
    return list(value)


def _inbound_history(layer: dict, where: str) -> list[tuple[str, int, int]]:
    """The (layer name, node index, tensor index) triples a layer reads, from either Keras version."""
    nodes = layer.get("inbound_nodes", [])
    if len(nodes) > 1:
        raise UnsupportedLayerError(f"{where}: is called {len(nodes)} times (a shared layer). Supported: each layer called once")
    if not nodes:
        return []
    node = nodes[0]
    found: list[tuple[str, int, int]] = []
    if isinstance(node, dict):  # Keras 3

        def visit(value):
            if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
                name, node_index, tensor_index = value["config"]["keras_history"]
                found.append((name, node_index, tensor_index))
            elif isinstance(value, (list, tuple)):
                for item in value:
                    visit(item)

        visit(node.get("args", []))
    else:  # Keras 2
        for entry in node:
            found.append((entry[0], entry[1], entry[2]))
    return found


CALL_OPTIONS = "__call__"
"""Key under which a layer's raw config carries the keyword arguments of its call that are not tensors."""
TENSOR_KEYWORDS = ("value", "key")
"""Keyword arguments that pass input tensors (MultiHeadAttention's), appended to the inbound in this order."""


def _call_node(layer: dict):
    nodes = layer.get("inbound_nodes", [])
    return nodes[0] if len(nodes) == 1 else None


def _is_tensor(value) -> bool:
    """A tensor reference in a call's keyword arguments: Keras 3's ``__keras_tensor__`` or Keras 2's triple."""
    if isinstance(value, dict):
        return value.get("class_name") == "__keras_tensor__"
    return isinstance(value, (list, tuple)) and len(value) >= 3 and isinstance(value[0], str)


def _node_kwargs(layer: dict) -> dict:
    """The keyword arguments of a layer's one call (Keras 3: the node's; Keras 2: its first entry's)."""
    node = _call_node(layer)
    if isinstance(node, dict):
        return dict(node.get("kwargs") or {})
    if node and len(node[0]) > 3 and isinstance(node[0][3], dict):
        return dict(node[0][3])
    return {}


def _keyword_tensors(layer: dict) -> list[tuple[str, int, int]]:
    """Input tensors passed by keyword (``value``, ``key``), as (layer, node, tensor) triples."""
    found = []
    kwargs = _node_kwargs(layer)
    for key in TENSOR_KEYWORDS:
        value = kwargs.get(key)
        if value is None:
            continue
        if isinstance(value, dict):
            name, node_index, tensor_index = value["config"]["keras_history"]
        else:
            name, node_index, tensor_index = value[0], value[1], value[2]
        found.append((name, node_index, tensor_index))
    return found


def _call_options(layer: dict) -> dict:
    """A call's keyword arguments other than the tensors ``_keyword_tensors`` takes; a mask tensor
    stays (as ``True``) so that a layer can refuse it."""
    return {key: (True if _is_tensor(value) else value) for key, value in _node_kwargs(layer).items()
            if key not in TENSOR_KEYWORDS}


def _operation(layer: dict, where: str) -> tuple[str, dict]:
    """The layer class and config that apply a Keras 3 tensor operation (``keras_io.OPERATIONS``):
    an activation operation is an Activation layer (``keras.ops.gelu(x, approximate=True)`` is
    ``gelu_tanh``), LeakyRelu, Elu and Softmax the layers of those names with their parameter, and
    an operation with a number a Rescaling (:func:`_scalar_op`)."""
    op, config = layer["class_name"], layer.get("config", {})
    node = _call_node(layer)
    args, kwargs = (list(node.get("args", [])), node.get("kwargs")) if isinstance(node, dict) else ([], None)
    if op in SCALAR_OPS:
        return "Rescaling", _scalar_op(op, args, kwargs, where)
    if len(args) != 1 or kwargs:
        raise UnsupportedLayerError(f"Operation '{where}' ({op}): only one tensor and no other argument is supported")
    if op in LAYER_OPS:
        parameters = {key: value for key, value in config.items() if key in ("negative_slope", "alpha", "axis")}
        return LAYER_OPS[op], parameters
    if op in ("HardShrink", "SoftShrink") and config.get("threshold", 0.5) != 0.5:
        raise UnsupportedLayerError(f"Operation '{where}' ({op}): only the activation's threshold 0.5 is supported")
    if op == "LogSoftmax" and config.get("axis", -1) != -1:
        raise UnsupportedLayerError(f"Operation '{where}' (LogSoftmax): only the last axis is supported")
    activation = "gelu_tanh" if op == "Gelu" and config.get("approximate", True) else ACTIVATION_OPS[op]
    return "Activation", {"activation": activation}


def _scalar_op(op: str, args: list, kwargs, where: str) -> dict:
    """A Rescaling config for tensor operation ``op`` (``keras_io.SCALAR_OPS``) called with ``args``
    and ``kwargs``, a tensor and one number: ``x + c`` is scale 1 and offset c, ``c - x`` scale -1
    and offset c, ``x * c`` scale c, ``x / c`` scale 1 / c. The exporter then treats it as that
    layer (``pull`` rebuilds a Rescaling)."""
    numbers = [a for a in args if isinstance(a, (int, float)) and not isinstance(a, bool)]
    if len(args) != 2 or len(numbers) != 1 or kwargs:
        raise UnsupportedLayerError(f"Operation '{where}' ({op}): only a tensor and one number are supported (x + 3, x * 0.5)")
    c, tensor_first = float(numbers[0]), not isinstance(args[0], (int, float))
    if op == "Add":
        return {"scale": 1.0, "offset": c}
    if op == "Subtract":
        return {"scale": 1.0, "offset": -c} if tensor_first else {"scale": -1.0, "offset": c}
    if op == "Multiply":
        return {"scale": c, "offset": 0.0}
    if not tensor_first or c == 0:
        raise UnsupportedLayerError(f"Operation '{where}' (TrueDivide): only a tensor divided by a non-zero number is supported")
    return {"scale": 1.0 / c, "offset": 0.0}


def _output_shape(node: Node, input_shapes: list[list]) -> list:
    """The layer's output shape without the batch axis, from Keras itself."""
    live = node.live
    shape = None
    try:
        shape = live.output.shape
    except (AttributeError, ValueError, RuntimeError):
        batch = [[None, *s] for s in input_shapes]
        shape = live.compute_output_shape(batch[0] if len(batch) == 1 else batch)
    dims = list(shape)[1:]
    return [None if d is None else int(d) for d in dims]
