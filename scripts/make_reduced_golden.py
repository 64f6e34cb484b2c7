#!/usr/bin/env python3
"""Regenerate test/golden/reduced/: references for recurrent modules computing in
bfloat16 and float16 (``dtype: 'bfloat16'`` / ``'float16'``).

Such a call rounds both operands of every matrix product (the layer input and
W_ih, the state -- or r * h -- and W_hh) to 16 bits, to nearest with ties to
even, and sums the products in float32; everything else stays float32. The
reference is make_golden.py's manual loop (checked against nn.LSTM / GRU / RNN
first) in float64, with each operand rounded by PyTorch's own conversion
(float64 -> float32 -> bfloat16 or float16 -> float64). The inputs and
parameters are float32 values, as a float32 module receives them.

Each case file holds the inputs, the parameters, and the output and final
states three times: ``exact.*`` (no rounding), ``bfloat16.*`` and ``float16.*``.
Forward only: reduced precision has no backward pass. ``rounding.safetensors``
holds float32 values (every scale, ties, float16's subnormals and overflow,
zeros, infinities, NaN) and PyTorch's bfloat16 and float16 roundings of them.

Usage: ``python3 scripts/make_reduced_golden.py``
"""

from __future__ import annotations

import json

import torch

from make_golden import GOLDEN_DIR, Case, make_data, manual_forward, self_check, to_numpy, write_verified

REDUCED_DIR = GOLDEN_DIR / "reduced"
PRECISIONS = {"exact": None, "bfloat16": torch.bfloat16, "float16": torch.float16}


def cases() -> list[Case]:
    """Every cell, stacked and bidirectional with lengths and initial states,
    in both layouts; and an LSTM without biases in one direction."""
    out = []
    for index, cell in enumerate(("lstm", "gru", "gru_reset_before", "rnn_tanh", "rnn_relu")):
        batch_first = index % 2 == 0
        layout = "bf" if batch_first else "tm"
        out.append(Case(f"{cell}_L2_bi_len_h0_{layout}", cell, 12, 20, 2, True, batch_first, True, 9, 5, True, True))
    out.append(Case("lstm_L1_uni_full_zero_tm_nobias", "lstm", 7, 33, 1, False, False, False, 6, 3, False, False))
    return out


def as_float32(t: torch.Tensor) -> torch.Tensor:
    return t.to(torch.float32).to(torch.float64) if t.is_floating_point() else t


def rounding(dtype):
    """The operand function of a reduced-precision call, or none for exact."""
    if dtype is None:
        return lambda t: t
    return lambda t: t.to(torch.float32).to(dtype).to(torch.float64)


def reduced_tensors(case: Case) -> dict:
    module, data = make_data(case)
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(as_float32(p))
    data = {k: as_float32(v) for k, v in data.items() if not k.startswith("grad_")}
    init = None
    if case.has_h0:
        init = tuple(data[k] for k in (("h0", "c0") if case.is_lstm else ("h0",)))
    tensors = {k: data[k] for k in ("input", "lengths", "h0", "c0") if k in data}
    tensors.update({name: p.detach() for name, p in module.named_parameters()})
    state_names = ("h", "c") if case.is_lstm else ("h",)
    with torch.no_grad():
        for label, dtype in PRECISIONS.items():
            output, states = manual_forward(case, module, data["input"], data.get("lengths"), init, rounding(dtype))
            tensors[f"{label}.output"] = output
            tensors.update({f"{label}.{n}": s for n, s in zip(state_names, states)})
    return {name: to_numpy(t) for name, t in tensors.items()}


def rounding_table() -> dict:
    """float32 values and their roundings, the hard cases included."""
    torch.manual_seed(7)
    scales = torch.logspace(-30, 30, 61, dtype=torch.float64)
    spread = (torch.randn(61, 16, dtype=torch.float64) * scales[:, None]).flatten()
    # Exactly halfway between neighbours: 1 + (2k + 1) 2^-8 (bfloat16) and 2^-11 (float16).
    odd = torch.arange(1, 64, 2, dtype=torch.float64)
    ties = torch.cat([1 + odd * 2.0 ** -8, 1 + odd * 2.0 ** -11, -(1 + odd * 2.0 ** -8)])
    subnormal16 = torch.cat([torch.rand(64, dtype=torch.float64) * 2.0 ** -14, odd * 2.0 ** -25])
    overflow16 = torch.tensor([65504, 65519.99, 65520, 65536, 7e4, -65520, 3.3895e38, -3.4e38], dtype=torch.float64)
    special = torch.tensor([0.0, -0.0, float("inf"), float("-inf"), float("nan"), 1e-45, 2.0 ** -126], dtype=torch.float64)
    values = as_float32(torch.cat([spread, ties, subnormal16, overflow16, special]))
    table = {"values": values}
    for label, dtype in PRECISIONS.items():
        if dtype is not None:
            table[label] = rounding(dtype)(values)
    return {name: to_numpy(t) for name, t in table.items()}


def main() -> None:
    torch.set_num_threads(1)
    self_check()
    REDUCED_DIR.mkdir(parents=True, exist_ok=True)
    for stale in REDUCED_DIR.glob("*.safetensors"):
        stale.unlink()
    total = 0
    for case in cases():
        metadata = {"config": json.dumps(case.config())}
        total += write_verified(REDUCED_DIR / f"{case.name}.safetensors", reduced_tensors(case), metadata)
    total += write_verified(REDUCED_DIR / "rounding.safetensors", rounding_table(), {})
    print(f"wrote {len(cases()) + 1} files, {total} bytes to {REDUCED_DIR}")


if __name__ == "__main__":
    main()
