#!/usr/bin/env python3
"""Regenerate the PyTorch interop fixtures in test/fixtures/interop/.

PyTorch -> gated: for each model below, a seeded PyTorch module with random
weights is saved with the official ``safetensors.torch.save_file`` as
``<name>.safetensors`` (its state_dict, float32). ``<name>.io.safetensors``
holds an input, the initial states and PyTorch's output and final states. The
state dict file's ``__metadata__.config`` (JSON) holds the module config and,
as ``stateDictKeys``, PyTorch's ``state_dict().keys()`` in PyTorch's order
(safetensors sorts the header). The script is deterministic: rerunning it
rewrites the same bytes.

gated -> PyTorch: ``gated_lstm.safetensors`` is written by gated
(``node scripts/make_gated_fixture.js``, run it first). This script loads it
with ``safetensors.torch.load_file`` into ``nn.LSTM(3, 4,
bidirectional=True)`` with ``load_state_dict(strict=True)``, runs a fixed
input and writes the input and PyTorch's outputs to
``gated_lstm.torch-output.safetensors``.

The files do not depend on gated's own safetensors reader or writer.
Usage: ``pip install torch numpy safetensors && python3 scripts/make_interop_fixtures.py``
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from torch import nn
from safetensors.torch import load_file, save_file

FIXTURES = Path(__file__).resolve().parent.parent / "test" / "fixtures" / "interop"

# name -> (constructor, config as gated's options, input shape)
MODELS = {
    "lstm": (
        lambda: nn.LSTM(5, 7, num_layers=2, bidirectional=True, batch_first=True),
        {"cell": "lstm", "inputSize": 5, "hiddenSize": 7, "numLayers": 2, "bidirectional": True, "batchFirst": True},
        (3, 6, 5),  # [batch, seq, input]
    ),
    "gru": (
        lambda: nn.GRU(4, 6),
        {"cell": "gru", "inputSize": 4, "hiddenSize": 6},
        (5, 2, 4),  # [seq, batch, input]
    ),
    "rnn_relu": (
        lambda: nn.RNN(3, 5, nonlinearity="relu"),
        {"cell": "rnn", "inputSize": 3, "hiddenSize": 5, "nonlinearity": "relu"},
        (4, 3, 3),
    ),
}


def state_shape(module: nn.RNNBase, batch: int) -> tuple[int, int, int]:
    directions = 2 if module.bidirectional else 1
    return (module.num_layers * directions, batch, module.hidden_size)


def torch_to_gated(seed: int, name: str) -> None:
    make, config, input_shape = MODELS[name]
    torch.manual_seed(seed)
    module = make().float().eval()
    with torch.no_grad():
        for p in module.parameters():
            p.uniform_(-0.6, 0.6)  # wider than the default init, so every gate matters
    state = {k: v.detach().contiguous() for k, v in module.state_dict().items()}
    # One metadata key: safetensors writes several in a random order, and the files should not churn.
    metadata = {"config": json.dumps({**config, "stateDictKeys": list(state)})}
    save_file(state, str(FIXTURES / f"{name}.safetensors"), metadata=metadata)

    batch = input_shape[0] if module.batch_first else input_shape[1]
    io = {"input": torch.randn(input_shape), "h0": torch.randn(state_shape(module, batch))}
    if isinstance(module, nn.LSTM):
        io["c0"] = torch.randn(state_shape(module, batch))
        with torch.no_grad():
            io["output"], (io["h"], io["c"]) = module(io["input"], (io["h0"], io["c0"]))
    else:
        with torch.no_grad():
            io["output"], io["h"] = module(io["input"], io["h0"])
    save_file({k: v.contiguous() for k, v in io.items()}, str(FIXTURES / f"{name}.io.safetensors"))
    print(f"{name}: {len(state)} tensors, keys {list(state)}")


def gated_to_torch() -> None:
    source = FIXTURES / "gated_lstm.safetensors"
    if not source.exists():
        raise SystemExit(f"{source} is missing: run `npm run build:ts && node scripts/make_gated_fixture.js` first")
    state = load_file(str(source))
    module = nn.LSTM(3, 4, bidirectional=True).eval()
    module.load_state_dict(state, strict=True)
    for key, value in module.state_dict().items():
        assert value.dtype == torch.float32 and torch.equal(value, state[key]), key

    torch.manual_seed(7)
    x = torch.randn(5, 2, 3)
    with torch.no_grad():
        output, (h, c) = module(x)
    tensors = {"input": x, "output": output, "h": h, "c": c}
    save_file({k: v.contiguous() for k, v in tensors.items()}, str(FIXTURES / "gated_lstm.torch-output.safetensors"))
    for path in FIXTURES.glob("*.safetensors"):
        path.chmod(0o644)  # save_file creates files readable by their owner only
    print(f"gated_lstm: loaded {len(state)} tensors from gated's file into nn.LSTM (strict), keys {list(module.state_dict())}")


def main() -> None:
    FIXTURES.mkdir(parents=True, exist_ok=True)
    for seed, name in enumerate(MODELS):
        torch_to_gated(1000 + seed, name)
    gated_to_torch()


if __name__ == "__main__":
    main()
