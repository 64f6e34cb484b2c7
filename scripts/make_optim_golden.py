#!/usr/bin/env python3
"""Regenerate the optimizer golden files in test/golden-optim/.

Each case runs one torch.optim optimizer (optionally with a learning-rate
scheduler or gradient clipping) for 20 steps in float64 on the CPU. It starts
from fixed random parameters of shapes [3, 4] and [5] and feeds fixed random
gradients, a new set each step. A JSON file per case stores the config (with
gated's camelCase option names), the initial parameters, the gradients of
every step, and the parameters and learning rates after every step.

Usage: ``python3 scripts/make_optim_golden.py``
"""

from __future__ import annotations

import json
import zlib
from pathlib import Path

import torch

GOLDEN_DIR = Path(__file__).resolve().parent.parent / "test" / "golden-optim"
SHAPES = [[3, 4], [5]]
STEPS = 20

# gated option name -> torch keyword
TORCH_NAMES = {
    "weightDecay": "weight_decay",
    "stepSize": "step_size",
    "thresholdMode": "threshold_mode",
    "minLr": "min_lr",
}
OPTIMIZERS = {
    "SGD": torch.optim.SGD,
    "Adam": torch.optim.Adam,
    "AdamW": torch.optim.AdamW,
    "RMSprop": torch.optim.RMSprop,
}
SCHEDULERS = {
    "StepLR": torch.optim.lr_scheduler.StepLR,
    "ExponentialLR": torch.optim.lr_scheduler.ExponentialLR,
    "ReduceLROnPlateau": torch.optim.lr_scheduler.ReduceLROnPlateau,
}
# Falls to 0.5, stalls (reductions), improves once, stalls again.
PLATEAU_METRICS = [1.0, 0.9, 0.8, 0.8, 0.81, 0.8, 0.79, 0.85, 0.9, 0.7,
                   0.7, 0.71, 0.72, 0.69, 0.5, 0.5, 0.51, 0.52, 0.53, 0.54]


def case(name, optimizer, options, *, groups=None, scheduler=None, metrics=None, clip=None):
    return {
        "name": name,
        "optimizer": optimizer,
        "options": options,
        # [{"params": [tensor indices], **overrides}]; None: one group with every tensor
        "groups": groups,
        "scheduler": scheduler,
        "metrics": metrics,
        "clip": clip,
    }


CASES = [
    case("sgd_plain", "SGD", {"lr": 0.1}),
    case("sgd_momentum", "SGD", {"lr": 0.05, "momentum": 0.9}),
    case("sgd_nesterov_wd", "SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weightDecay": 0.01}),
    case("sgd_dampening", "SGD", {"lr": 0.05, "momentum": 0.8, "dampening": 0.3}),
    case("sgd_maximize", "SGD", {"lr": 0.05, "momentum": 0.5, "maximize": True}),
    case("sgd_groups", "SGD", {"lr": 0.1},
         groups=[{"params": [0]}, {"params": [1], "lr": 0.01, "momentum": 0.5}]),
    case("adam", "Adam", {"lr": 0.01}),
    case("adam_amsgrad", "Adam", {"lr": 0.01, "betas": [0.8, 0.99], "amsgrad": True}),
    case("adam_wd", "Adam", {"lr": 0.01, "weightDecay": 0.1, "eps": 1e-6}),
    case("adamw", "AdamW", {"lr": 0.01, "weightDecay": 0.1}),
    case("adamw_amsgrad", "AdamW", {"lr": 0.02, "amsgrad": True}),
    case("rmsprop", "RMSprop", {"lr": 0.01}),
    case("rmsprop_centered_momentum", "RMSprop", {"lr": 0.01, "centered": True, "momentum": 0.9}),
    case("rmsprop_wd", "RMSprop", {"lr": 0.01, "weightDecay": 0.1, "alpha": 0.9}),
    case("steplr_sgd_momentum", "SGD", {"lr": 0.1, "momentum": 0.9},
         scheduler={"type": "StepLR", "options": {"stepSize": 5, "gamma": 0.5}}),
    case("explr_adam", "Adam", {"lr": 0.01},
         scheduler={"type": "ExponentialLR", "options": {"gamma": 0.9}}),
    case("plateau_sgd", "SGD", {"lr": 0.1},
         scheduler={"type": "ReduceLROnPlateau", "options": {"factor": 0.5, "patience": 1, "cooldown": 2}},
         metrics=PLATEAU_METRICS),
    case("plateau_max_abs_sgd", "SGD", {"lr": 0.1},
         scheduler={"type": "ReduceLROnPlateau",
                    "options": {"mode": "max", "factor": 0.3, "patience": 1, "threshold": 0.05,
                                "thresholdMode": "abs", "minLr": 0.005}},
         metrics=[-m for m in PLATEAU_METRICS]),
    case("clip_norm2_sgd", "SGD", {"lr": 0.1}, clip={"maxNorm": 1.0, "normType": 2}),
    case("clip_inf_sgd", "SGD", {"lr": 0.1, "momentum": 0.9}, clip={"maxNorm": 0.5, "normType": "inf"}),  # JSON has no Infinity
]


def torch_options(options: dict) -> dict:
    out = {TORCH_NAMES.get(k, k): v for k, v in options.items()}
    if "betas" in out:
        out["betas"] = tuple(out["betas"])
    return out


def make_data(name: str):
    """Initial parameters and per-step gradients; the gradient scale varies so clipping is sometimes idle."""
    gen = torch.Generator().manual_seed(zlib.crc32(name.encode()))
    initial = [torch.randn(s, generator=gen, dtype=torch.float64) for s in SHAPES]
    grads = []
    for _ in range(STEPS):
        scale = 0.05 + torch.rand((), generator=gen, dtype=torch.float64).item()
        grads.append([scale * torch.randn(s, generator=gen, dtype=torch.float64) for s in SHAPES])
    return initial, grads


def run(c: dict) -> dict:
    initial, grads = make_data(c["name"])
    params = [p.clone().requires_grad_(True) for p in initial]
    groups = (
        [{**torch_options({k: v for k, v in g.items() if k != "params"}), "params": [params[i] for i in g["params"]]}
         for g in c["groups"]]
        if c["groups"] else params
    )
    opt = OPTIMIZERS[c["optimizer"]](groups, **torch_options(c["options"]))
    sched = None
    if c["scheduler"]:
        sched = SCHEDULERS[c["scheduler"]["type"]](opt, **torch_options(c["scheduler"]["options"]))
    history, lrs, norms = [], [], []
    for step in range(STEPS):
        for p, g in zip(params, grads[step]):
            p.grad = g.clone()
        if c["clip"]:
            norm_type = float(c["clip"]["normType"])
            norms.append(torch.nn.utils.clip_grad_norm_(params, c["clip"]["maxNorm"], norm_type).item())
        opt.step()
        if c["metrics"]:
            sched.step(c["metrics"][step])
        elif sched is not None:
            sched.step()
        history.append([p.detach().tolist() for p in params])
        lrs.append([group["lr"] for group in opt.param_groups])
    if c["metrics"]:
        assert len({tuple(l) for l in lrs}) >= 3, f"{c['name']}: the metrics should trigger at least two reductions"
    return {
        "config": c,
        "torch": torch.__version__,
        "initial": [p.tolist() for p in initial],
        "grads": [[g.tolist() for g in step] for step in grads],
        "params": history,  # [step][tensor] after optimizer.step() (and the scheduler step)
        "lrs": lrs,  # [step][group] after the step
        "norms": norms,  # [step] total gradient norm returned by clip_grad_norm_ (clip cases only)
    }


def main() -> None:
    GOLDEN_DIR.mkdir(parents=True, exist_ok=True)
    for old in GOLDEN_DIR.glob("*.json"):
        old.unlink()
    total = 0
    for c in CASES:
        text = json.dumps(run(c), separators=(",", ":"))
        (GOLDEN_DIR / f"{c['name']}.json").write_text(text + "\n")
        total += len(text) + 1
    print(f"wrote {len(CASES)} files, {total / 1024:.0f} KiB, to {GOLDEN_DIR}")


if __name__ == "__main__":
    main()
