"""PyTorch's cuDNN on the GPU benchmark cases (cases.json), float32 with TF32 off.

    python3 bench/gpu/cudnn_bench.py OUT.json [--tf32]

Each case: inference (forward under no_grad) or training (forward + backward of the recurrent
module with a random output gradient), timed with CUDA events after a warm-up; medians in ms.
A case with "dtype": "bfloat16" runs the module and its input in torch.bfloat16.
"""
import json
import os
import statistics
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))


def dtype_of(case):
    return torch.bfloat16 if case.get("dtype") == "bfloat16" else torch.float32


def make_module(case):
    kind = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[case["cell"]]
    module = kind(case["input"], case["hidden"], num_layers=case["layers"], bidirectional=case["bidirectional"], batch_first=True)
    return module.to(device="cuda", dtype=dtype_of(case))


def time_case(case, repeats, budget_ms):
    module = make_module(case)
    dtype = dtype_of(case)
    x = torch.randn(case["batch"], case["seq"], case["input"], device="cuda", dtype=dtype)
    directions = 2 if case["bidirectional"] else 1
    grad = torch.randn(case["batch"], case["seq"], directions * case["hidden"], device="cuda", dtype=dtype)
    train = case["kind"] == "train"

    def step():
        if train:
            out, _ = module(x)
            out.backward(grad)
            module.zero_grad(set_to_none=True)
        else:
            with torch.no_grad():
                module(x)

    for _ in range(3):
        step()
    torch.cuda.synchronize()
    times = []
    spent = 0.0
    while len(times) < repeats and (len(times) < 5 or spent < budget_ms):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        step()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end))
        spent += times[-1]
    return statistics.median(times), len(times)


def main():
    out_path = sys.argv[1]
    tf32 = "--tf32" in sys.argv
    torch.backends.cudnn.allow_tf32 = tf32
    torch.backends.cuda.matmul.allow_tf32 = tf32
    torch.backends.cudnn.benchmark = False
    cases = json.load(open(os.path.join(HERE, "cases.json")))["cases"]
    results = {
        "device": torch.cuda.get_device_name(0),
        "torch": torch.__version__,
        "cudnn": torch.backends.cudnn.version(),
        "mathMode": "tf32" if tf32 else "float32 (cudnn.allow_tf32 = matmul.allow_tf32 = False)",
        "cases": {},
    }
    for case in cases:
        median, runs = time_case(case, repeats=30, budget_ms=3000)
        results["cases"][case["id"]] = {"ms": median, "runs": runs}
        print(f"cuDNN {case['id']:10s} {case['kind']:5s} {median:9.3f} ms ({runs} runs)", flush=True)
    with open(out_path, "w") as f:
        json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
