#!/usr/bin/env python3
"""Regenerate test/golden-ops/ops.json: PyTorch float64 references for gated's tensor ops.

Every case is one call of a gated op (possibly with nested calls as arguments, e.g. views composed
with ops), described so that test/ops.test.ts can replay it:

    {"name", "op", "args", "field"?,            # the call: g[op](...args) (then result[field])
     "inputs": {name: {"shape", "dtype", "data", "domain"}},
     "grad_output": [...] | null,              # random upstream gradient (float outputs only)
     "output": {"shape", "dtype", "data"},
     "grads": {name: [...]}}                   # d(sum(output * grad_output)) / d(input), float inputs

An argument is a literal (number, string, boolean, null, list of numbers; null stands for an
argument left out, undefined in TypeScript, except for linear's bias and embedding's paddingIdx,
which take null itself), {"t": name} (an input
tensor), {"ts": [names]} (a list of input tensors, for cat / stack) or {"call": op, "args": [...],
"field"?: "values" | "indices"} (a nested call). Data is flat, row-major; bool data is true/false,
int64 data plain integers. "domain" says how the float input was drawn ("normal", "positive" in
[0.5, 2], "ties": multiples of 0.5 in [-1, 1] so that comparisons see equal values), so that
the finite-difference test can draw fresh inputs from the same domain.

Usage: ``python3 scripts/make_ops_golden.py`` (deterministic: one fixed seed per case name).
"""

from __future__ import annotations

import json
import zlib
from pathlib import Path

import torch
import torch.nn.functional as F

OUT = Path(__file__).resolve().parent.parent / "test" / "golden-ops" / "ops.json"
DTYPES = {"float64": torch.float64, "float32": torch.float32, "int64": torch.int64, "int32": torch.int32, "bool": torch.bool}


# ---------------------------------------------------------------------------------------------
# Describing calls

def T(name):
    return {"t": name}


def TS(*names):
    return {"ts": list(names)}


def C(op, *args, field=None):
    out = {"call": op, "args": list(args)}
    if field is not None:
        out["field"] = field
    return out


# Input specs: (shape, kind). kind: "normal", "positive", "ties", "bool", ("int64", high), ("int32", high).
def N(*shape):
    return (list(shape), "normal")


def P(*shape):
    return (list(shape), "positive")


def TIES(*shape):
    return (list(shape), "ties")


def BOOL(*shape):
    return (list(shape), "bool")


def IDX(high, *shape, dtype="int64"):
    return (list(shape), (dtype, high))


CASES = []


def case(name, call, inputs, fixed=None):
    """call: C(...) of the top-level op; inputs: {name: spec}; fixed: {name: (shape, dtype, data)}."""
    CASES.append({"name": name, "call": call, "inputs": inputs, "fixed": fixed or {}})


# ---------------------------------------------------------------------------------------------
# The cases

# Arithmetic with broadcasting and scalar operands.
for op in ["add", "sub", "mul", "div"]:
    Y = P if op == "div" else N  # denominators away from 0
    case(f"{op} same shape", C(op, T("a"), T("b")), {"a": N(2, 3), "b": Y(2, 3)})
    case(f"{op} broadcast [3,1,4] [2,1]", C(op, T("a"), T("b")), {"a": N(3, 1, 4), "b": Y(2, 1)})
    case(f"{op} broadcast [2,1] [1,3]", C(op, T("a"), T("b")), {"a": N(2, 1), "b": Y(1, 3)})
    case(f"{op} broadcast [4] [2,3,4]", C(op, T("a"), T("b")), {"a": N(4), "b": Y(2, 3, 4)})
    case(f"{op} broadcast [2,3,4] [3,1]", C(op, T("a"), T("b")), {"a": N(2, 3, 4), "b": Y(3, 1)})
    case(f"{op} tensor number", C(op, T("a"), 2.5), {"a": N(2, 3)})
    case(f"{op} number tensor", C(op, -1.5, T("b")), {"b": Y(2, 3)})
    case(f"{op} tensor 0-d tensor", C(op, T("a"), T("b")), {"a": N(3, 2), "b": Y()})
    case(f"{op} 0-d tensor tensor", C(op, T("a"), T("b")), {"a": N(), "b": Y(3, 2)})
case("mul same tensor twice", C("mul", T("a"), T("a")), {"a": N(2, 3)})
case("div by sqrt of itself", C("div", T("a"), C("sqrt", T("a"))), {"a": P(5)})

# Unary ops (log, sqrt, rsqrt on positive inputs), also on a transposed (strided) view.
for op in ["neg", "exp", "log", "sigmoid", "tanh", "relu", "abs", "sqrt", "rsqrt", "square"]:
    X = P if op in ("log", "sqrt", "rsqrt") else N
    case(f"{op}", C(op, T("x")), {"x": X(3, 4)})
    case(f"{op} of transpose", C(op, C("transpose", T("x"), 0, 1)), {"x": X(2, 3)})
case("exp 0-d", C("exp", T("x")), {"x": N()})

# Comparisons (values only; 'ties' inputs hold equal elements).
for op in ["eq", "ne", "gt", "ge", "lt", "le"]:
    case(f"{op} same shape", C(op, T("a"), T("b")), {"a": TIES(3, 4), "b": TIES(3, 4)})
    case(f"{op} broadcast [3,4] [4]", C(op, T("a"), T("b")), {"a": TIES(3, 4), "b": TIES(4)})
    case(f"{op} tensor number", C(op, T("a"), 0.5), {"a": TIES(3, 4)})
    case(f"{op} number tensor", C(op, 0, T("b")), {"b": TIES(2, 3)})
case("eq int64 labels", C("eq", T("pred"), T("labels")), {"pred": IDX(3, 8), "labels": IDX(3, 8)})
case("eq of argmax and int64 labels", C("eq", C("argmax", T("logits"), 1), T("labels")),
     {"logits": N(8, 3), "labels": IDX(3, 8)})
case("ne int64 broadcast", C("ne", T("a"), T("b")), {"a": IDX(3, 2, 4), "b": IDX(3, 4)})
case("lt int64 number", C("lt", T("a"), 1), {"a": IDX(3, 2, 4)})

# maskedFill with a broadcast bool mask.
case("maskedFill mask [3,1]", C("maskedFill", T("x"), T("mask"), -5.0), {"x": N(2, 3, 4), "mask": BOOL(3, 1)})
case("maskedFill mask [4]", C("maskedFill", T("x"), T("mask"), 0.25), {"x": N(2, 3, 4), "mask": BOOL(4)})
case("maskedFill mask full", C("maskedFill", T("x"), T("mask"), 0), {"x": N(3, 4), "mask": BOOL(3, 4)})
case("maskedFill mask from gt", C("maskedFill", T("x"), C("gt", T("x"), 0.5), -1e9), {"x": N(3, 4)})

# Reductions with dims and keepdim, negative dims included.
for op in ["sum", "mean", "norm"]:
    case(f"{op} all", C(op, T("x")), {"x": N(2, 3, 4)})
    case(f"{op} all keepdim", C(op, T("x"), None, True), {"x": N(2, 3, 4)})
    case(f"{op} dim 0", C(op, T("x"), 0), {"x": N(2, 3, 4)})
    case(f"{op} dim 1 keepdim", C(op, T("x"), 1, True), {"x": N(2, 3, 4)})
    case(f"{op} dim -1", C(op, T("x"), -1), {"x": N(2, 3, 4)})
    case(f"{op} dim -1 keepdim", C(op, T("x"), -1, True), {"x": N(2, 3, 4)})
    case(f"{op} dims [0,2]", C(op, T("x"), [0, 2]), {"x": N(2, 3, 4)})
    case(f"{op} dims [-1,-3] keepdim", C(op, T("x"), [-1, -3], True), {"x": N(2, 3, 4)})
    case(f"{op} 1-D", C(op, T("x")), {"x": N(5)})
    case(f"{op} of transpose dim 0", C(op, C("transpose", T("x"), 0, 1), 0), {"x": N(3, 4)})
case("sum of bool", C("sum", C("gt", T("x"), 0)), {"x": N(3, 4)})
case("sum of bool dim 1", C("sum", C("gt", T("x"), 0), 1), {"x": N(3, 4)})
case("sum of bool mask input", C("sum", T("m"), 0, True), {"m": BOOL(3, 4)})
case("sum of int64", C("sum", T("a"), -1), {"a": IDX(10, 2, 3)})
case("mean of float eq (accuracy)",
     C("mean", C("toDType", C("eq", C("argmax", T("logits"), -1), T("labels")), "float64")),
     {"logits": N(10, 4), "labels": IDX(4, 10)})

for dim, keep in [(0, False), (1, False), (-1, False), (-1, True), (1, True)]:
    k = " keepdim" if keep else ""
    case(f"max values dim {dim}{k}", C("max", T("x"), dim, keep, field="values"), {"x": N(2, 3, 4)})
    case(f"max indices dim {dim}{k}", C("max", T("x"), dim, keep, field="indices"), {"x": N(2, 3, 4)})
    case(f"argmax dim {dim}{k}", C("argmax", T("x"), dim, keep), {"x": N(2, 3, 4)})
case("argmax all", C("argmax", T("x")), {"x": N(3, 4)})
case("max values of transpose", C("max", C("transpose", T("x"), 0, 1), 1, field="values"), {"x": N(3, 4)})
case("max int64 values", C("max", T("a"), 1, field="values"), {"a": IDX(100, 3, 5)})

for op in ["softmax", "logSoftmax"]:
    for dim in [0, 1, 2, -1, -2]:
        case(f"{op} dim {dim}", C(op, T("x"), dim), {"x": N(2, 3, 4)})
    case(f"{op} 1-D", C(op, T("x"), 0), {"x": N(6)})
    case(f"{op} of permute", C(op, C("permute", T("x"), [2, 0, 1]), -1), {"x": N(2, 3, 4)})
    case(f"{op} large logits", C(op, C("mul", T("x"), 50), 1), {"x": N(3, 5)})

# Joining.
case("cat dim 0", C("cat", TS("a", "b", "c"), 0), {"a": N(1, 3), "b": N(2, 3), "c": N(3, 3)})
case("cat dim 1", C("cat", TS("a", "b", "c"), 1), {"a": N(2, 1, 3), "b": N(2, 2, 3), "c": N(2, 3, 3)})
case("cat dim -1", C("cat", TS("a", "b", "c"), -1), {"a": N(2, 3, 1), "b": N(2, 3, 2), "c": N(2, 3, 3)})
case("cat default dim", C("cat", TS("a", "b", "c")), {"a": N(2, 2), "b": N(1, 2), "c": N(2, 2)})
case("cat same tensor twice", C("cat", TS("a", "b", "a"), 1), {"a": N(2, 2), "b": N(2, 1)})
case("cat of views", C("cat", [C("transpose", T("a"), 0, 1), C("narrow", T("b"), 0, 1, 2)], 0),
     {"a": N(2, 3), "b": N(4, 2)})
case("cat int64", C("cat", TS("a", "b", "c"), 0), {"a": IDX(9, 2), "b": IDX(9, 1), "c": IDX(9, 3)})
for dim in [0, 1, 2, -1]:
    case(f"stack dim {dim}", C("stack", TS("a", "b", "c"), dim), {"a": N(2, 3), "b": N(2, 3), "c": N(2, 3)})

# Matrix products.
case("matmul 1-D 1-D", C("matmul", T("a"), T("b")), {"a": N(4), "b": N(4)})
case("matmul 1-D 2-D", C("matmul", T("a"), T("b")), {"a": N(3), "b": N(3, 4)})
case("matmul 2-D 1-D", C("matmul", T("a"), T("b")), {"a": N(2, 3), "b": N(3)})
case("matmul 2-D 2-D", C("matmul", T("a"), T("b")), {"a": N(2, 3), "b": N(3, 4)})
case("matmul 3-D 2-D", C("matmul", T("a"), T("b")), {"a": N(2, 3, 4), "b": N(4, 5)})
case("matmul 2-D 3-D", C("matmul", T("a"), T("b")), {"a": N(3, 4), "b": N(2, 4, 5)})
case("matmul 3-D 3-D", C("matmul", T("a"), T("b")), {"a": N(2, 3, 4), "b": N(2, 4, 5)})
case("matmul 1-D 3-D", C("matmul", T("a"), T("b")), {"a": N(4), "b": N(2, 4, 5)})
case("matmul 3-D 1-D", C("matmul", T("a"), T("b")), {"a": N(2, 3, 4), "b": N(4)})
case("matmul 3-D batch 1 with 3-D", C("matmul", T("a"), T("b")), {"a": N(1, 3, 4), "b": N(2, 4, 5)})
case("matmul 3-D with 3-D batch 1", C("matmul", T("a"), T("b")), {"a": N(2, 3, 4), "b": N(1, 4, 5)})
case("matmul transposed operands", C("matmul", C("transpose", T("a"), 0, 1), C("transpose", T("b"), -1, -2)),
     {"a": N(3, 2), "b": N(4, 3)})
case("matmul same tensor twice", C("matmul", T("a"), T("a")), {"a": N(3, 3)})

case("linear [N,in] with bias", C("linear", T("x"), T("w"), T("b")), {"x": N(5, 4), "w": N(3, 4), "b": N(3)})
case("linear [N,in] no bias", C("linear", T("x"), T("w")), {"x": N(5, 4), "w": N(3, 4)})
case("linear [N,in] null bias", C("linear", T("x"), T("w"), None), {"x": N(5, 4), "w": N(3, 4)})
case("linear [B,T,in] with bias", C("linear", T("x"), T("w"), T("b")), {"x": N(2, 3, 4), "w": N(5, 4), "b": N(5)})
case("linear [B,T,in] no bias", C("linear", T("x"), T("w")), {"x": N(2, 3, 4), "w": N(5, 4)})
case("linear [in] with bias", C("linear", T("x"), T("w"), T("b")), {"x": N(4), "w": N(3, 4), "b": N(3)})
case("linear transposed input", C("linear", C("transpose", T("x"), 0, 1), T("w"), T("b")),
     {"x": N(4, 5), "w": N(3, 4), "b": N(3)})

# Embedding: int64 indices [2,3] with repeats; the padding row gets no gradient.
EMB_IDX = ([2, 3], "int64", [1, 2, 4, 2, 0, 1])
case("embedding int64 [2,3]", C("embedding", T("idx"), T("w")), {"w": N(5, 4)}, fixed={"idx": EMB_IDX})
case("embedding int64 [2,3] paddingIdx 2", C("embedding", T("idx"), T("w"), 2), {"w": N(5, 4)}, fixed={"idx": EMB_IDX})
case("embedding int64 [2,3] paddingIdx -4", C("embedding", T("idx"), T("w"), -4), {"w": N(5, 4)}, fixed={"idx": EMB_IDX})
case("embedding int32 [6] paddingIdx 0", C("embedding", T("idx"), T("w"), 0), {"w": N(4, 3)},
     fixed={"idx": ([6], "int32", [0, 3, 3, 1, 0, 2])})
case("embedding 0-d index", C("embedding", T("idx"), T("w")), {"w": N(4, 3)}, fixed={"idx": ([], "int64", [3])})

# Dropout where PyTorch's random numbers do not matter (identity); casts.
case("dropout not training", C("dropout", T("x"), 0.5, False), {"x": N(3, 4)})
case("dropout p 0", C("dropout", T("x"), 0, True), {"x": N(3, 4)})
case("toDType float32 and back", C("toDType", C("toDType", T("x"), "float32"), "float64"), {"x": N(3, 4)})
case("toDType bool of comparison to float64", C("mul", C("toDType", C("gt", T("x"), 0), "float64"), T("y")),
     {"x": N(3, 4), "y": N(3, 4)})
case("toDType int64 labels to float64", C("toDType", T("a"), "float64"), {"a": IDX(7, 2, 3)})

# Views, alone and composed with ops.
case("select dim 1 index -1", C("select", T("x"), 1, -1), {"x": N(2, 3, 4)})
case("select dim 0 index 1", C("select", T("x"), 0, 1), {"x": N(3, 4)})
case("narrow dim 1", C("narrow", T("x"), 1, 1, 2), {"x": N(2, 4, 3)})
case("narrow dim -1", C("narrow", T("x"), -1, 0, 3), {"x": N(2, 5)})
case("transpose 0 1", C("transpose", T("x"), 0, 1), {"x": N(2, 3, 4)})
case("transpose -1 0", C("transpose", T("x"), -1, 0), {"x": N(2, 3, 4)})
case("reshape -1", C("reshape", T("x"), [4, -1]), {"x": N(2, 3, 4)})
case("reshape of transpose (copy)", C("reshape", C("transpose", T("x"), 0, 1), [-1]), {"x": N(2, 3)})
case("unsqueeze 0", C("unsqueeze", T("x"), 0), {"x": N(2, 3)})
case("unsqueeze -1", C("unsqueeze", T("x"), -1), {"x": N(2, 3)})
case("squeeze all", C("squeeze", T("x")), {"x": N(1, 3, 1, 2)})
case("squeeze dim 2", C("squeeze", T("x"), 2), {"x": N(1, 3, 1, 2)})
case("squeeze dim of size 3 (no-op)", C("squeeze", T("x"), 1), {"x": N(1, 3, 1, 2)})
case("permute", C("permute", T("x"), [2, 0, 1]), {"x": N(2, 3, 4)})
case("permute negative dims", C("permute", T("x"), [-1, -3, -2]), {"x": N(2, 3, 4)})
case("flatten all", C("flatten", T("x")), {"x": N(2, 3, 4)})
case("flatten 1..2", C("flatten", T("x"), 1, 2), {"x": N(2, 3, 4)})
case("flatten of permute (copy)", C("flatten", C("permute", T("x"), [1, 0, 2]), 0, 1), {"x": N(2, 3, 4)})
case("transpose(x,0,1) * y", C("mul", C("transpose", T("x"), 0, 1), T("y")), {"x": N(3, 2), "y": N(2, 3)})
case("transpose(x,0,1) * y broadcast", C("mul", C("transpose", T("x"), 0, 1), T("y")), {"x": N(4, 2, 3), "y": N(3)})
case("select(x,1,-1) + y", C("add", C("select", T("x"), 1, -1), T("y")), {"x": N(2, 3, 4), "y": N(2, 4)})
case("narrow(x,0,1,2) * y", C("mul", C("narrow", T("x"), 0, 1, 2), T("y")), {"x": N(4, 3), "y": N(2, 3)})
case("select(x,0,0) + select(x,0,1)", C("add", C("select", T("x"), 0, 0), C("select", T("x"), 0, 1)), {"x": N(3, 4)})
case("narrow overlapping windows", C("mul", C("narrow", T("x"), 0, 0, 3), C("narrow", T("x"), 0, 1, 3)), {"x": N(4, 2)})
case("select of narrow of transpose", C("select", C("narrow", C("transpose", T("x"), 0, 2), 1, 1, 2), 0, 2),
     {"x": N(2, 3, 4)})
case("unsqueeze * y broadcast", C("mul", C("unsqueeze", T("x"), 1), T("y")), {"x": N(3, 4), "y": N(3, 2, 4)})
case("sum of squeeze(permute)", C("sum", C("squeeze", C("permute", T("x"), [1, 0, 2])), -1), {"x": N(1, 3, 4)})
case("exp of narrow of select", C("exp", C("narrow", C("select", T("x"), 2, 1), 1, 1, 2)), {"x": N(2, 4, 3)})

# Edge values and strided operands.
case("relu at 0", C("relu", T("x")), {}, fixed={"x": ([2, 3], "float64", [0.0, -1.0, 2.0, 0.0, 0.5, -0.0])})
case("abs at 0", C("abs", T("x")), {}, fixed={"x": ([2, 3], "float64", [0.0, -1.0, 2.0, 0.0, 0.5, -0.0])})
case("norm with a zero row", C("norm", T("x"), -1), {}, fixed={"x": ([2, 3], "float64", [0.0, 0.0, 0.0, 1.0, -2.0, 3.0])})
case("max with ties", C("max", T("x"), 1, field="values"), {},
     fixed={"x": ([2, 4], "float64", [1.0, 3.0, 3.0, 0.0, 2.0, 2.0, -1.0, 2.0])})
case("max indices with ties", C("max", T("x"), 1, field="indices"), {},
     fixed={"x": ([2, 4], "float64", [1.0, 3.0, 3.0, 0.0, 2.0, 2.0, -1.0, 2.0])})
case("argmax with ties", C("argmax", T("x")), {}, fixed={"x": ([2, 3], "float64", [1.0, 5.0, 2.0, 5.0, 0.0, 5.0])})
case("maskedFill of transpose", C("maskedFill", C("transpose", T("x"), 0, 1), T("mask"), 3.0),
     {"x": N(4, 3), "mask": BOOL(3, 1)})
case("embedding of transposed weight", C("embedding", T("idx"), C("transpose", T("w"), 0, 1)), {"w": N(4, 5)},
     fixed={"idx": EMB_IDX})
case("linear with transposed weight", C("linear", T("x"), C("transpose", T("w"), 0, 1), T("b")),
     {"x": N(2, 3), "w": N(3, 4), "b": N(4)})

# Small chains, as a model would use them.
case("logSoftmax of linear", C("logSoftmax", C("linear", T("x"), T("w"), T("b")), -1),
     {"x": N(4, 3), "w": N(5, 3), "b": N(5)})
case("mean of square of sub", C("mean", C("square", C("sub", T("a"), T("b")))), {"a": N(3, 4), "b": N(3, 4)})
case("sigmoid(x) * tanh(y)", C("mul", C("sigmoid", T("x")), C("tanh", T("y"))), {"x": N(2, 3), "y": N(2, 3)})
case("div by norm keepdim", C("div", T("x"), C("norm", T("x"), -1, True)), {"x": N(3, 4)})


# ---------------------------------------------------------------------------------------------
# Evaluating a call in PyTorch

def torch_call(op, args):
    if op in ("add", "sub", "mul", "div"):
        a, b = args
        if op == "add":
            return a + b
        if op == "sub":
            return a - b
        if op == "mul":
            return a * b
        return a / b
    if op in ("neg", "exp", "log", "sigmoid", "tanh", "relu", "abs", "sqrt", "rsqrt", "square"):
        return getattr(torch, op)(args[0])
    if op in ("eq", "ne", "gt", "ge", "lt", "le"):
        a, b = args
        if not isinstance(a, torch.Tensor):  # number first: compare the other way round
            flipped = {"eq": "eq", "ne": "ne", "gt": "lt", "ge": "le", "lt": "gt", "le": "ge"}[op]
            return getattr(torch, flipped)(b, a)
        return getattr(torch, op)(a, b)
    if op == "maskedFill":
        x, mask, value = args
        return x.masked_fill(mask, value)
    if op in ("sum", "mean", "norm"):
        x = args[0]
        dims = args[1] if len(args) > 1 else None
        keep = args[2] if len(args) > 2 else False
        if op == "norm":
            return torch.linalg.vector_norm(x, 2, dim=dims, keepdim=keep)
        fn = torch.sum if op == "sum" else torch.mean
        return fn(x) if dims is None and not keep else fn(x, dim=dims, keepdim=keep)
    if op == "max":
        x, dim = args[0], args[1]
        keep = args[2] if len(args) > 2 else False
        values, indices = torch.max(x, dim, keepdim=keep)
        return {"values": values, "indices": indices}
    if op == "argmax":
        x = args[0]
        dim = args[1] if len(args) > 1 else None
        keep = args[2] if len(args) > 2 else False
        return torch.argmax(x, dim=dim, keepdim=keep)
    if op == "softmax":
        return torch.softmax(args[0], args[1])
    if op == "logSoftmax":
        return torch.log_softmax(args[0], args[1])
    if op == "cat":
        return torch.cat(args[0], args[1] if len(args) > 1 else 0)
    if op == "stack":
        return torch.stack(args[0], args[1] if len(args) > 1 else 0)
    if op == "matmul":
        return torch.matmul(args[0], args[1])
    if op == "linear":
        return F.linear(args[0], args[1], args[2] if len(args) > 2 else None)
    if op == "embedding":
        return F.embedding(args[0], args[1], padding_idx=args[2] if len(args) > 2 else None)
    if op == "dropout":
        return F.dropout(args[0], args[1], args[2])
    if op == "toDType":
        return args[0].to(DTYPES[args[1]])
    if op == "select":
        return args[0].select(args[1], args[2])
    if op == "narrow":
        return args[0].narrow(args[1], args[2], args[3])
    if op == "transpose":
        return args[0].transpose(args[1], args[2])
    if op == "reshape":
        return args[0].reshape(args[1])
    if op == "unsqueeze":
        return args[0].unsqueeze(args[1])
    if op == "squeeze":
        return args[0].squeeze() if len(args) < 2 else args[0].squeeze(args[1])
    if op == "permute":
        return args[0].permute(*args[1])
    if op == "flatten":
        return torch.flatten(args[0], *args[1:])
    raise ValueError(f"unknown op {op}")


def evaluate(arg, tensors):
    if isinstance(arg, dict) and "t" in arg:
        return tensors[arg["t"]]
    if isinstance(arg, dict) and "ts" in arg:
        return [tensors[n] for n in arg["ts"]]
    if isinstance(arg, dict) and "call" in arg:
        out = torch_call(arg["call"], [evaluate(a, tensors) for a in arg["args"]])
        return out[arg["field"]] if "field" in arg else out
    if isinstance(arg, list) and any(isinstance(a, dict) for a in arg):
        return [evaluate(a, tensors) for a in arg]
    return arg


def tensor_names(arg, out):
    """Input names in the order the call reads them."""
    if isinstance(arg, dict) and "t" in arg:
        out.append(arg["t"])
    elif isinstance(arg, dict) and "ts" in arg:
        out.extend(arg["ts"])
    elif isinstance(arg, dict):
        for a in arg["args"]:
            tensor_names(a, out)
    elif isinstance(arg, list):
        for a in arg:
            tensor_names(a, out)
    return out


def flat(t: torch.Tensor):
    values = t.detach().contiguous().reshape(-1).tolist()
    return values


def make_input(gen, shape, kind):
    if kind == "normal":
        return torch.randn(shape, generator=gen, dtype=torch.float64), "float64"
    if kind == "positive":
        return 0.5 + 1.5 * torch.rand(shape, generator=gen, dtype=torch.float64), "float64"
    if kind == "ties":
        return torch.randint(-2, 3, shape, generator=gen).to(torch.float64) / 2, "float64"
    if kind == "bool":
        return torch.rand(shape, generator=gen) < 0.5, "bool"
    dtype, high = kind
    return torch.randint(0, high, shape, generator=gen, dtype=DTYPES[dtype]), dtype


def run(c):
    gen = torch.Generator().manual_seed(zlib.crc32(c["name"].encode()))
    tensors, inputs = {}, {}
    order = tensor_names(c["call"], [])
    for name in dict.fromkeys(order):
        if name in c["fixed"]:
            shape, dtype, data = c["fixed"][name]
            t = torch.tensor(data, dtype=DTYPES[dtype]).reshape(shape)
            domain = None
        else:
            shape, kind = c["inputs"][name]
            t, dtype = make_input(gen, shape, kind)
            domain = kind if isinstance(kind, str) and dtype == "float64" else None
        if dtype == "float64":
            t.requires_grad_(True)
        tensors[name] = t
        inputs[name] = {"shape": list(t.shape), "dtype": dtype, "data": flat(t)}
        if domain:
            inputs[name]["domain"] = domain
    out = evaluate(c["call"], tensors)
    assert isinstance(out, torch.Tensor), c["name"]
    out_dtype = {v: k for k, v in DTYPES.items()}[out.dtype]
    float_names = [n for n in inputs if inputs[n]["dtype"] == "float64"]
    grad_output, grads = None, {}
    if out_dtype == "float64" and out.requires_grad:
        grad_output = torch.randn(out.shape, generator=gen, dtype=torch.float64)
        computed = torch.autograd.grad(out, [tensors[n] for n in float_names], grad_output,
                                       allow_unused=True, materialize_grads=True)
        grads = {n: flat(g) for n, g in zip(float_names, computed)}
        if c["call"]["call"] == "embedding" and len(c["call"]["args"]) > 2:
            rows = tensors["w"].shape[0]
            pad = c["call"]["args"][2] % rows
            assert torch.count_nonzero(computed[0][pad]) == 0, f"{c['name']}: padding row has a gradient"
    call = c["call"]
    record = {
        "name": c["name"],
        "op": call["call"],
        "args": call["args"],
        **({"field": call["field"]} if "field" in call else {}),
        "inputs": inputs,
        "grad_output": flat(grad_output) if grad_output is not None else None,
        "output": {"shape": list(out.shape), "dtype": out_dtype, "data": flat(out)},
        "grads": grads,
    }
    return record


def main() -> None:
    names = [c["name"] for c in CASES]
    assert len(names) == len(set(names)), "case names must be unique"
    cases = [run(c) for c in CASES]
    doc = {
        "torch": torch.__version__,
        "generator": "scripts/make_ops_golden.py",
        "cases": cases,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(doc, separators=(",", ":"))
    assert len(text) < 2_000_000, f"ops.json is {len(text)} bytes (limit 2 MB)"
    OUT.write_text(text + "\n")
    ops = sorted({c["op"] for c in cases})
    diff = sum(1 for c in cases if c["grad_output"] is not None)
    print(f"wrote {len(cases)} cases ({diff} with gradients; top-level ops: {', '.join(ops)}), "
          f"{len(text) / 1024:.0f} KiB, to {OUT}")


if __name__ == "__main__":
    main()
