"""PyTorch on one workload, in its own process: the Python twin of bench/run-one.js.

    python3 bench/torch_runner.py --workload W1 --data /tmp/W1.safetensors --check-out /tmp/c.safetensors --serve

Same weights and inputs (the .safetensors file bench/run.js writes), same cross-check pass, same
stdin/stdout protocol ('@@bench ' + JSON per reply line). Timing: time.perf_counter around each
call; each round starts with one untimed call, as benny's rounds do in the JS runners.
torch.set_num_threads(os.cpu_count()); float32; inference under torch.inference_mode().
"""
import argparse
import json
import os
import struct
import sys
import time

import torch

MARK = "@@bench "
HERE = os.path.dirname(os.path.abspath(__file__))
DTYPES = {"F32": torch.float32, "F64": torch.float64, "I64": torch.int64, "I32": torch.int32}


def reply(obj):
    sys.stdout.write(MARK + json.dumps(obj) + "\n")
    sys.stdout.flush()


def read_safetensors(path):
    with open(path, "rb") as f:
        buf = f.read()
    n = struct.unpack("<Q", buf[:8])[0]
    header = json.loads(buf[8 : 8 + n])
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        raw = bytearray(buf[8 + n + a : 8 + n + b])
        out[name] = torch.frombuffer(raw, dtype=DTYPES[info["dtype"]]).reshape(info["shape"]).clone()
    return out


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        data = t.detach().contiguous().to(torch.float32).reshape(-1).numpy().tobytes() if hasattr(t, "numpy") else t
        header[name] = {"dtype": "F32", "shape": [len(data) // 4], "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    js = json.dumps(header)
    js += " " * ((8 - len(js) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(js)))
        f.write(js.encode())
        for b in blobs:
            f.write(b)


class Net(torch.nn.Module):
    def __init__(self, w):
        super().__init__()
        cls = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[w["cell"]]
        self.rnn = cls(w["input"], w["hidden"], num_layers=w["layers"], bidirectional=w["bidirectional"], batch_first=True)
        dirs = 2 if w["bidirectional"] else 1
        if w["kind"] == "train":
            self.fc = torch.nn.Linear(w["hidden"] * dirs, w["classes"])

    def forward(self, x):
        return self.fc(self.rnn(x)[0][:, -1, :])


def setup(w, data_path):
    data = read_safetensors(data_path)
    net = Net(w)
    state = {k: v for k, v in data.items() if k not in ("x", "labels")}
    net.load_state_dict(state, strict=True)
    x = data["x"]
    info = {
        "version": torch.__version__,
        "threads": torch.get_num_threads(),
        "threadsNote": "torch.set_num_threads(os.cpu_count())",
        "mkldnn": bool(torch.backends.mkldnn.is_available()),
    }
    if w["kind"] == "infer":
        net.eval()

        def check():
            with torch.inference_mode():
                return {"output": net.rnn(x)[0]}

        def call():
            with torch.inference_mode():
                net.rnn(x)

        return info, check, call

    labels = data["labels"]
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    F = torch.nn.functional

    def step(collect):
        loss = F.cross_entropy(net(x), labels)
        opt.zero_grad()
        loss.backward()
        out = None
        if collect:
            out = {
                "loss1": loss.detach().reshape(1),
                "grad.rnn.weight_hh_l0": net.rnn.weight_hh_l0.grad.clone(),
                "grad.rnn.weight_ih_l0": net.rnn.weight_ih_l0.grad.clone(),
                "grad.fc.weight": net.fc.weight.grad.clone(),
            }
        opt.step()
        return out

    def check():
        out = step(True)
        with torch.no_grad():
            out["loss2"] = F.cross_entropy(net(x), labels).reshape(1)
        return out

    return info, check, lambda: step(False)


def timed(fn):
    t = time.perf_counter()
    fn()
    return (time.perf_counter() - t) * 1e3


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--workload", required=True)
    p.add_argument("--data", required=True)
    p.add_argument("--check-out")
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--serve", action="store_true")
    p.add_argument("--reps", type=int, default=5)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    with open(os.path.join(HERE, "workloads.json")) as f:
        w = next(x for x in json.load(f)["workloads"] if x["id"] == a.workload)
    try:
        info, check, call = setup(w, a.data)
    except Exception as e:  # noqa: BLE001
        reply({"error": repr(e)})
        return
    reply({"loaded": True, "info": info})
    t = time.perf_counter()
    out = check()
    check_ms = (time.perf_counter() - t) * 1e3
    if a.check_out:
        write_safetensors(a.check_out, out)
    reply({"ready": True, "checkMs": check_ms, "info": info})
    if not a.serve:
        call()
        reply({"samplesMs": [timed(call) for _ in range(a.reps)]})
        return
    for line in sys.stdin:
        if not line.strip():
            continue
        cmd = json.loads(line)
        if cmd["cmd"] == "exit":
            break
        if cmd["cmd"] == "probe":
            reply({"ms": timed(call)})
        elif cmd["cmd"] == "round":
            if cmd.get("timer") != "hrtime":
                call()  # one untimed call per round, like benny's in the JS runners
            reply({"samplesMs": [timed(call) for _ in range(cmd["reps"])]})
        else:
            reply({"error": "unknown command " + line})


if __name__ == "__main__":
    main()
