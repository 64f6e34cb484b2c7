#!/usr/bin/env python3
"""Regenerate test/golden-nn/nn.json: PyTorch references for g.nn's losses and layers.

Every case runs in float64 on the CPU with a seed taken from its name, and stores:

- losses: the input, the target, the options (gated's camelCase names), a random
  upstream gradient, the loss, and the gradient of the input;
- modules: gated's constructor arguments, the PyTorch state_dict before the
  forward pass (by PyTorch's names), the inputs, a random upstream gradient for
  every output, the outputs, the gradients of every input and parameter, and
  (BatchNorm1d in training mode) the state_dict after the step;
- structure: the parameter and state_dict names PyTorch gives a Sequential and
  a hand-written module, which gated must reproduce.

Tensors are {"shape": [...], "data": [flat row-major values], "dtype": ...}.
JSON keeps float64 values exactly (Python writes the shortest repr).

Usage: ``python3 scripts/make_nn_golden.py``
"""

from __future__ import annotations

import json
import zlib
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

OUT = Path(__file__).resolve().parent.parent / "test" / "golden-nn" / "nn.json"
DT = torch.float64


def gen_for(name: str) -> torch.Generator:
    return torch.Generator().manual_seed(zlib.crc32(name.encode()))


def T(t: torch.Tensor) -> dict:
    t = t.detach()
    dtype = str(t.dtype).replace("torch.", "")
    data = t.reshape(-1).tolist()
    return {"shape": list(t.shape), "dtype": dtype, "data": data}


def randn(gen, *shape, scale=1.0):
    return scale * torch.randn(tuple(shape), generator=gen, dtype=DT)


def rand(gen, *shape, low=0.0, high=1.0):
    return low + (high - low) * torch.rand(tuple(shape), generator=gen, dtype=DT)


# ----------------------------------------------------------------------------------------------------
# Losses

def loss_case(name, fn, x, target, options, *, weight=None, pos_weight=None):
    gen = gen_for(name + "/grad")
    x = x.clone().requires_grad_(True)
    reduction = options.get("reduction", "mean")
    if fn in ("crossEntropy", "nllLoss"):
        kwargs = {"reduction": reduction}
        if weight is not None:
            kwargs["weight"] = weight
        if "ignoreIndex" in options:
            kwargs["ignore_index"] = options["ignoreIndex"]
        torch_fn = F.cross_entropy if fn == "crossEntropy" else F.nll_loss
        out = torch_fn(x, target, **kwargs)
    elif fn == "mseLoss":
        out = F.mse_loss(x, target, reduction=reduction)
    elif fn == "binaryCrossEntropy":
        out = F.binary_cross_entropy(x, target, weight=weight, reduction=reduction)
    elif fn == "bceWithLogits":
        pw = None if pos_weight is None else torch.tensor(pos_weight, dtype=DT)
        out = F.binary_cross_entropy_with_logits(x, target, weight=weight, pos_weight=pw, reduction=reduction)
    else:
        raise ValueError(fn)
    grad_out = randn(gen, *out.shape)
    (gx,) = torch.autograd.grad(out, [x], grad_out)
    assert torch.isfinite(out).all() and torch.isfinite(gx).all(), name
    opts = dict(options)
    if pos_weight is not None:
        opts["posWeight"] = pos_weight
    return {
        "name": name,
        "fn": fn,
        "options": opts,  # gated's option names; the weight tensor is stored separately
        "weight": None if weight is None else T(weight),
        "input": T(x),
        "target": T(target),
        "gradOutput": T(grad_out),
        "output": T(out),
        "inputGrad": T(gx),
    }


def loss_cases() -> list[dict]:
    cases = []
    N, C = 6, 4
    for fn in ("crossEntropy", "nllLoss"):
        for variant in ("plain", "weight", "ignore", "weight_ignore", "ignore_default"):
            for reduction in ("mean", "sum", "none"):
                name = f"{fn}_{variant}_{reduction}"
                gen = gen_for(name)
                logits = randn(gen, N, C, scale=1.5)
                x = logits if fn == "crossEntropy" else torch.log_softmax(logits, 1)
                target = torch.randint(0, C, (N,), generator=gen, dtype=torch.int64)
                options = {"reduction": reduction}
                weight = None
                if "weight" in variant:
                    weight = rand(gen, C, low=0.2, high=2.0)
                if variant in ("ignore", "weight_ignore"):
                    options["ignoreIndex"] = 2
                    target[[1, 4]] = 2  # rows 1 and 4 are ignored
                    target[0], target[3] = 0, 3  # and some rows are not
                if variant == "ignore_default":
                    target[2] = -100  # PyTorch's default ignore_index
                cases.append(loss_case(name, fn, x, target, options, weight=weight))
    for reduction in ("mean", "sum", "none"):
        name = f"mseLoss_{reduction}"
        gen = gen_for(name)
        cases.append(loss_case(name, "mseLoss", randn(gen, 3, 4), randn(gen, 3, 4), {"reduction": reduction}))
    for variant in ("plain", "weight"):
        for reduction in ("mean", "sum", "none"):
            name = f"binaryCrossEntropy_{variant}_{reduction}"
            gen = gen_for(name)
            p = rand(gen, 4, 3, low=0.05, high=0.95)
            y = rand(gen, 4, 3)
            y[0] = torch.tensor([0.0, 1.0, 1.0])  # hard labels too
            weight = rand(gen, 4, 3, low=0.2, high=2.0) if variant == "weight" else None
            cases.append(loss_case(name, "binaryCrossEntropy", p, y, {"reduction": reduction}, weight=weight))
    for variant in ("plain", "posweight", "weight_posweight"):
        for reduction in ("mean", "sum", "none"):
            name = f"bceWithLogits_{variant}_{reduction}"
            gen = gen_for(name)
            x = randn(gen, 4, 3, scale=3.0)
            x[0, 0] = 40.0  # large logits exercise the stable form
            x[0, 1] = -40.0
            y = rand(gen, 4, 3)
            y[1] = torch.tensor([0.0, 1.0, 1.0])
            weight = rand(gen, 4, 3, low=0.2, high=2.0) if "weight_" in variant else None
            pos_weight = 2.5 if "posweight" in variant else None
            cases.append(loss_case(name, "bceWithLogits", x, y, {"reduction": reduction}, weight=weight, pos_weight=pos_weight))
    return cases


# ----------------------------------------------------------------------------------------------------
# Modules

def randomize(module: nn.Module, gen) -> None:
    """Random values for every parameter (so affine weights are not all ones)."""
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(randn(gen, *p.shape, scale=0.6))


def module_case(name, kind, args, options, module, inputs, call, *, train=True, before=None):
    """`call(module, inputs)` -> dict of outputs. `inputs`: dict of tensors (float ones get gradients)."""
    gen = gen_for(name + "/grad")
    module.train(train)
    if before is not None:
        before(module)
    state = {k: T(v) for k, v in module.state_dict().items()}
    leaves = {k: (v.clone().requires_grad_(True) if v.is_floating_point() else v) for k, v in inputs.items()}
    outputs = call(module, leaves)
    grad_outputs = {k: randn(gen, *v.shape) for k, v in outputs.items()}
    wrt = {k: v for k, v in leaves.items() if v.requires_grad}
    params = dict(module.named_parameters())
    grads = torch.autograd.grad(list(outputs.values()), list(wrt.values()) + list(params.values()),
                                list(grad_outputs.values()), allow_unused=True)
    input_grads = {k: T(g) for k, g in zip(wrt, grads[: len(wrt)])}
    param_grads = {k: T(g if g is not None else torch.zeros_like(params[k])) for k, g in zip(params, grads[len(wrt):])}
    case = {
        "name": name,
        "module": kind,
        "args": args,  # gated's positional constructor arguments
        "options": options,  # gated's constructor options (the test adds dtype)
        "train": train,
        "state": state,  # PyTorch state_dict before the forward pass
        "inputs": {k: T(v) for k, v in inputs.items()},
        "gradOutputs": {k: T(v) for k, v in grad_outputs.items()},
        "outputs": {k: T(v) for k, v in outputs.items()},
        "inputGrads": input_grads,
        "paramGrads": param_grads,
    }
    if kind == "BatchNorm1d":
        case["stateAfter"] = {k: T(v) for k, v in module.state_dict().items() if k.startswith(("running", "num_batches"))}
    return case


def module_cases() -> list[dict]:
    cases = []
    single = lambda m, x: {"y": m(x["x"])}  # noqa: E731

    for bias in (True, False):
        for shape in ([4, 3], [2, 5, 3]):
            name = f"Linear_{'bias' if bias else 'nobias'}_{'x'.join(map(str, shape))}"
            gen = gen_for(name)
            m = nn.Linear(3, 2, bias=bias, dtype=DT)
            randomize(m, gen)
            cases.append(module_case(name, "Linear", [3, 2], {"bias": bias}, m, {"x": randn(gen, *shape)}, single))

    for variant in ("zero_pad_row", "nonzero_pad_row"):
        name = f"Embedding_{variant}"
        gen = gen_for(name)
        m = nn.Embedding(7, 3, padding_idx=2, dtype=DT)
        with torch.no_grad():
            m.weight.copy_(randn(gen, 7, 3))
            if variant == "zero_pad_row":
                m.weight[2].zero_()  # as PyTorch initialises it
        idx = torch.tensor([[0, 2, 5, 2], [6, 0, 2, 3]], dtype=torch.int64)  # the padding index and repeats
        cases.append(module_case(name, "Embedding", [7, 3], {"paddingIdx": 2}, m, {"x": idx}, single))

    for shape, xshape in (([6], [3, 6]), ([2, 3], [4, 2, 3])):
        for affine in (True, False):
            name = f"LayerNorm_{'x'.join(map(str, shape))}_{'affine' if affine else 'plain'}"
            gen = gen_for(name)
            m = nn.LayerNorm(shape, elementwise_affine=affine, dtype=DT)
            randomize(m, gen)
            x = randn(gen, *xshape, scale=2.0) + 0.5
            cases.append(module_case(name, "LayerNorm", [shape], {"elementwiseAffine": affine}, m, {"x": x}, single))

    def bn_state(gen, C):
        def set_state(m):
            with torch.no_grad():
                m.running_mean.copy_(randn(gen, C, scale=0.5))
                m.running_var.copy_(rand(gen, C, low=0.5, high=2.0))
                m.num_batches_tracked.fill_(3)
        return set_state

    for xshape in ([8, 4], [8, 4, 5]):
        for momentum in (0.1, 0.3):
            for train in (True, False):
                if not train and momentum != 0.1:
                    continue
                name = f"BatchNorm1d_{'x'.join(map(str, xshape))}_{'train' if train else 'eval'}_m{momentum}"
                gen = gen_for(name)
                m = nn.BatchNorm1d(4, momentum=momentum, dtype=DT)
                randomize(m, gen)
                x = randn(gen, *xshape, scale=1.5) + 0.3
                cases.append(module_case(name, "BatchNorm1d", [4], {"momentum": momentum}, m, {"x": x}, single,
                                         train=train, before=bn_state(gen, 4)))

    I, H, B = 4, 3, 3
    cells = [
        ("LSTMCell", nn.LSTMCell, {}),
        ("GRUCell", nn.GRUCell, {}),
        ("RNNCell_tanh", nn.RNNCell, {"nonlinearity": "tanh"}),
        ("RNNCell_relu", nn.RNNCell, {"nonlinearity": "relu"}),
    ]
    for tag, cls, opts in cells:
        kind = tag.split("_")[0]
        for batched in (True, False):
            for given in (True, False):
                name = f"{tag}_{'batched' if batched else 'unbatched'}_{'state' if given else 'nostate'}"
                gen = gen_for(name)
                m = cls(I, H, dtype=DT, **opts)
                randomize(m, gen)
                lead = [B] if batched else []
                inputs = {"x": randn(gen, *lead, I)}
                if given:
                    inputs["h"] = randn(gen, *lead, H, scale=0.8)
                    if kind == "LSTMCell":
                        inputs["c"] = randn(gen, *lead, H, scale=0.8)
                if kind == "LSTMCell":
                    def call(m, v):
                        h, c = m(v["x"], (v["h"], v["c"]) if "h" in v else None)
                        return {"h": h, "c": c}
                else:
                    def call(m, v):
                        return {"h": m(v["x"], v.get("h"))}
                cases.append(module_case(name, kind, [I, H], opts, m, inputs, call))
    return cases


# ----------------------------------------------------------------------------------------------------
# Names

class Relu(nn.Module):
    def forward(self, x):
        return torch.relu(x)


class Net(nn.Module):
    """Mirrors the Net class in test/nn.test.ts: submodules and a parameter assigned as attributes."""

    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(10, 4, padding_idx=0)
        self.cell = nn.LSTMCell(4, 5)
        self.norm = nn.BatchNorm1d(5)
        self.head = nn.Sequential(nn.Linear(5, 6), Relu(), nn.Linear(6, 3, bias=False))
        self.scale = nn.Parameter(torch.ones(3))


def structure() -> dict:
    seq = nn.Sequential(nn.Linear(3, 4), Relu(), nn.Linear(4, 2))
    net = Net()
    return {
        "sequential": {
            "parameters": [n for n, _ in seq.named_parameters()],
            "stateDict": list(seq.state_dict().keys()),
        },
        "net": {
            "parameters": [n for n, _ in net.named_parameters()],
            "buffers": [n for n, _ in net.named_buffers()],
            "stateDict": list(net.state_dict().keys()),
        },
    }


def main() -> None:
    torch.use_deterministic_algorithms(True)
    data = {
        "torch": torch.__version__,
        "losses": loss_cases(),
        "modules": module_cases(),
        "structure": structure(),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, separators=(",", ":")) + "\n"
    OUT.write_text(text)
    print(f"wrote {len(data['losses'])} loss and {len(data['modules'])} module cases, "
          f"{len(text) / 1024:.0f} KiB, to {OUT}")


if __name__ == "__main__":
    main()
