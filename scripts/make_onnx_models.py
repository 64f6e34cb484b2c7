"""ONNX models of the inference workloads, for bench/run.js's onnxruntime-node runner.

    python3 scripts/make_onnx_models.py --data-dir DIR --out bench/models W1 W2 W3 W4

DIR/Wn.safetensors holds the weights and input that bench/run.js generated (PyTorch names:
rnn.weight_ih_l0, ...). Each model takes x [batch, seq, input] (float32, batch-first) and returns
`output` [batch, seq, directions * hidden], the last layer's outputs, like nn.LSTM / nn.GRU.

It exports nn.LSTM / nn.GRU with torch.onnx.export (TorchScript exporter, which emits ONNX's own
LSTM / GRU operators; GRU with linear_before_reset=1, PyTorch's form). If that exporter is not
available or emits no LSTM/GRU node, the graph is built directly with the onnx helper API instead
(gates reordered to ONNX's i,o,f,c for LSTM and z,r,h for GRU). Next to each Wn.onnx it writes
Wn.json with the SHA-256 of the data file, so bench/run.js can tell a stale model.
"""
import argparse
import hashlib
import json
import os
import struct
import sys

import warnings

import torch

warnings.filterwarnings("ignore", message=".*batch_size other than 1.*")

HERE = os.path.dirname(os.path.abspath(__file__))
WORKLOADS = os.path.join(HERE, "..", "bench", "workloads.json")


def read_safetensors(path):
    with open(path, "rb") as f:
        buf = f.read()
    n = struct.unpack("<Q", buf[:8])[0]
    header = json.loads(buf[8 : 8 + n])
    dt = {"F32": torch.float32, "I64": torch.int64}
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        out[name] = torch.frombuffer(bytearray(buf[8 + n + a : 8 + n + b]), dtype=dt[info["dtype"]]).reshape(info["shape"]).clone()
    return out


class Wrap(torch.nn.Module):
    def __init__(self, w):
        super().__init__()
        cls = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[w["cell"]]
        self.rnn = cls(w["input"], w["hidden"], num_layers=w["layers"], bidirectional=w["bidirectional"], batch_first=True)

    def forward(self, x):
        return self.rnn(x)[0]


def op_types(path):
    import onnx

    return sorted({n.op_type for n in onnx.load(path).graph.node})


def export_torch(w, data, path):
    m = Wrap(w)
    m.load_state_dict({k: v for k, v in data.items() if k.startswith("rnn.")}, strict=True)
    m.eval()
    kwargs = dict(input_names=["x"], output_names=["output"], opset_version=17, do_constant_folding=True)
    try:
        torch.onnx.export(m, (data["x"],), path, dynamo=False, **kwargs)
    except TypeError:  # an older torch without the dynamo argument
        torch.onnx.export(m, (data["x"],), path, **kwargs)
    ops = op_types(path)
    want = w["cell"].upper()
    if want not in ops:
        raise RuntimeError(f"torch.onnx.export emitted no {want} node (ops: {ops})")
    return "torch.onnx.export (TorchScript exporter, opset 17)", ops


def build_helper(w, data, path):
    """The same model written with onnx.helper: one ONNX LSTM/GRU node per layer."""
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    H, cell = w["hidden"], w["cell"]
    dirs = 2 if w["bidirectional"] else 1
    # PyTorch gate blocks -> ONNX gate blocks.
    order = [0, 3, 1, 2] if cell == "lstm" else [1, 0, 2]  # LSTM i,f,g,o -> i,o,f,c; GRU r,z,n -> z,r,h

    def reorder(t):
        t = t.numpy()
        return np.concatenate([t[k * H : (k + 1) * H] for k in order], axis=0)

    nodes, inits = [], []
    nodes.append(helper.make_node("Transpose", ["x"], ["x_t"], perm=[1, 0, 2]))  # -> [seq, batch, in]
    cur = "x_t"
    for layer in range(w["layers"]):
        Ws, Rs, Bs = [], [], []
        for d in range(dirs):
            sfx = f"l{layer}" + ("_reverse" if d else "")
            Ws.append(reorder(data[f"rnn.weight_ih_{sfx}"]))
            Rs.append(reorder(data[f"rnn.weight_hh_{sfx}"]))
            Bs.append(np.concatenate([reorder(data[f"rnn.bias_ih_{sfx}"]), reorder(data[f"rnn.bias_hh_{sfx}"])]))
        for nm, arr in ((f"W{layer}", Ws), (f"R{layer}", Rs), (f"B{layer}", Bs)):
            inits.append(numpy_helper.from_array(np.stack(arr).astype(np.float32), nm))
        attrs = dict(hidden_size=H, direction="bidirectional" if dirs == 2 else "forward")
        if cell == "gru":
            attrs["linear_before_reset"] = 1
        nodes.append(helper.make_node(cell.upper(), [cur, f"W{layer}", f"R{layer}", f"B{layer}"], [f"Y{layer}"], **attrs))
        # Y [seq, dirs, batch, H] -> [seq, batch, dirs, H] -> [seq, batch, dirs*H]
        nodes.append(helper.make_node("Transpose", [f"Y{layer}"], [f"Yt{layer}"], perm=[0, 2, 1, 3]))
        inits.append(numpy_helper.from_array(np.array([0, 0, dirs * H], dtype=np.int64), f"shape{layer}"))
        nodes.append(helper.make_node("Reshape", [f"Yt{layer}", f"shape{layer}"], [f"L{layer}"]))
        cur = f"L{layer}"
    nodes.append(helper.make_node("Transpose", [cur], ["output"], perm=[1, 0, 2]))
    graph = helper.make_graph(
        nodes,
        f"{w['id']}_{cell}",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [w["batch"], w["seq"], w["input"]])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [w["batch"], w["seq"], dirs * H])],
        inits,
    )
    # IR version 8 goes with opset 17 and loads in older ONNX Runtime builds too.
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    onnx.checker.check_model(model)
    onnx.save(model, path)
    return "onnx.helper (direct graph, opset 17)", op_types(path)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data-dir", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--method", choices=["auto", "torch", "helper"], default="auto")
    p.add_argument("ids", nargs="*")
    a = p.parse_args()
    with open(WORKLOADS) as f:
        workloads = [w for w in json.load(f)["workloads"] if w["kind"] == "infer"]
    if a.ids:
        workloads = [w for w in workloads if w["id"] in a.ids]
    os.makedirs(a.out, exist_ok=True)
    for w in workloads:
        src = os.path.join(a.data_dir, w["id"] + ".safetensors")
        data = read_safetensors(src)
        path = os.path.join(a.out, w["id"] + ".onnx")
        method = None
        if a.method in ("auto", "torch"):
            try:
                method, ops = export_torch(w, data, path)
            except Exception as e:  # noqa: BLE001
                if a.method == "torch":
                    raise
                print(f"{w['id']}: torch.onnx.export failed ({e!r}); building the graph with onnx.helper", file=sys.stderr)
        if method is None:
            method, ops = build_helper(w, data, path)
        with open(src, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        with open(os.path.join(a.out, w["id"] + ".json"), "w") as f:
            json.dump({"workload": w, "data_sha256": digest, "method": method, "ops": ops, "torch": torch.__version__}, f, indent=1)
        print(f"{w['id']}: {path} ({method}; ops {', '.join(ops)})")


if __name__ == "__main__":
    main()
