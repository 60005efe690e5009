#!/usr/bin/env python3
"""PyTorch CPU reference of clasp's training steps (`clasp bench swav-step|depict-step|mlcd-step`).

Usage: steps.py WORKLOAD [--threads N] [--repeat R] [--steps S] [--ops]
WORKLOAD: swav-step | depict-step | mlcd-step | all

The same networks, batch sizes, views, losses and Adam settings as clasp's quick profile on
MNIST (models/src/pipelines/{swav,depict,mlcd}, models/src/nn), on random MNIST-shaped input
(the step's cost does not depend on the pixel values). One JSON line per workload:
{"workload", "peer": "torch-cpu", "ms_per_iter" (ms per training step, best of R runs of S steps),
"ms_median", "images_per_s", "batch", "threads", "torch"}; `clasp bench --peers` reads
`ms_per_iter`, so its ratio (torch ms / clasp ms) is clasp's throughput over torch's.
`--ops` prints instead the step's per-operator CPU time (torch.profiler, self time, ms per step).

Not part of CI: run by hand with torch from PyPI in a venv
(`python -m venv v && v/bin/pip install torch --index-url https://download.pytorch.org/whl/cpu`).
"""
import argparse
import json
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

# ---------------------------------------------------------------------------------------------
# Networks (clasp: models/src/nn)


class ConvEncoder(nn.Module):
    """conv(1->c1)·ReLU·pool -> conv(c1->c2)·ReLU·pool -> adaptive-avg 3x3 -> fc(9c2->h)·ReLU -> fc(h->out)."""

    def __init__(self, c1=16, c2=32, hidden=128, out=64):
        super().__init__()
        self.conv1 = nn.Conv2d(1, c1, 3, padding=1)
        self.conv2 = nn.Conv2d(c1, c2, 3, padding=1)
        self.pool = nn.MaxPool2d(2, 2)
        self.grid = nn.AdaptiveAvgPool2d(3)
        self.fc1 = nn.Linear(c2 * 9, hidden)
        self.fc2 = nn.Linear(hidden, out)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = torch.flatten(self.grid(x), 1)
        return self.fc2(F.relu(self.fc1(x)))


class Mlp(nn.Module):
    """SwAV's projection head: fc · BatchNorm · ReLU · fc."""

    def __init__(self, i, h, o):
        super().__init__()
        self.fc1, self.bn, self.fc2 = nn.Linear(i, h), nn.BatchNorm1d(h), nn.Linear(h, o)

    def forward(self, x):
        return self.fc2(F.relu(self.bn(self.fc1(x))))


class Swav(nn.Module):
    def __init__(self, prototypes=30, projection=32, head_hidden=128):
        super().__init__()
        self.encoder = ConvEncoder()
        self.head = Mlp(64, head_hidden, projection)
        self.prototypes = nn.Parameter(F.normalize(torch.randn(prototypes, projection), dim=1))


class ConvAutoencoder(nn.Module):
    """DEPICT's autoencoder (clasp: nn/autoencoder.rs): stride-2 convs 1->16->32, dense 1568->K with
    BatchNorm and tanh, the mirrored decoder, LeakyReLU 0.01, dropout 0.1 on the noisy path."""

    def __init__(self, k=10, c1=16, c2=32, side=28, dropout=0.1):
        super().__init__()
        s1 = (side + 2 - 3) // 2 + 1
        s2 = (s1 + 2 - 3) // 2 + 1
        self.inner = (c2, s2, s2)
        self.conv1 = nn.Conv2d(1, c1, 3, stride=2, padding=1)
        self.conv2 = nn.Conv2d(c1, c2, 3, stride=2, padding=1)
        self.embed = nn.Linear(c2 * s2 * s2, k)
        self.embed_norm = nn.BatchNorm1d(k)
        self.unembed = nn.Linear(k, c2 * s2 * s2)
        self.deconv2 = nn.ConvTranspose2d(c2, c1, 3, stride=2, padding=1, output_padding=s1 + 1 - 2 * s2)
        self.deconv1 = nn.ConvTranspose2d(c1, 1, 3, stride=2, padding=1, output_padding=side + 1 - 2 * s1)
        self.act = nn.LeakyReLU(0.01)
        self.noise = nn.Dropout(dropout)

    def encode(self, x, noisy):
        noise = self.noise if noisy else (lambda t: t)
        h1 = noise(self.act(self.conv1(noise(x))))
        h2 = noise(self.act(self.conv2(h1)))
        z = torch.tanh(self.embed_norm(self.embed(torch.flatten(h2, 1))))
        return z, h1, h2

    def decode(self, z):
        h2_hat = self.act(self.unembed(z)).reshape(z.shape[0], *self.inner)
        h1_hat = self.act(self.deconv2(h2_hat))
        return h2_hat, h1_hat, self.deconv1(h1_hat)


class Depict(nn.Module):
    def __init__(self, k=10):
        super().__init__()
        self.ae = ConvAutoencoder(k)
        self.head = nn.Linear(k, k)


class Mlcd(nn.Module):
    def __init__(self, centres=100):
        super().__init__()
        self.encoder = ConvEncoder()
        self.classifier = nn.Parameter(torch.randn(centres, 64))


# ---------------------------------------------------------------------------------------------
# Steps (clasp: pipelines/*/train.rs and loss.rs)


@torch.no_grad()
def swav_codes(scores, eps=0.05, iters=3):
    """SwAV's distributed_sinkhorn on one process (prototypes first, then samples)."""
    q = torch.exp(scores / eps).t()
    k, b = q.shape
    q /= q.sum()
    for _ in range(iters):
        q /= q.sum(dim=1, keepdim=True)
        q /= k
        q /= q.sum(dim=0, keepdim=True)
        q /= b
    return (q * b).t()


def swav_setup(batch=128, local_views=4):
    model = Swav()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-8, weight_decay=1e-6)
    local = round(28 * 0.6)
    views = [torch.rand(batch, 1, 28, 28) for _ in range(2)] + [torch.rand(batch, 1, local, local) for _ in range(local_views)]

    def step():
        with torch.no_grad():
            model.prototypes.copy_(F.normalize(model.prototypes, dim=1))
        # The backbone on each resolution's crops at once (as SwAV's MultiCropWrapper); the head
        # per view (its batch norm takes each view's statistics, as clasp's).
        feats = torch.cat([model.encoder(torch.cat(views[:2])), model.encoder(torch.cat(views[2:]))])
        z = [F.normalize(model.head(f), dim=1) for f in feats.split(batch)]
        scores = [zi @ model.prototypes.t() for zi in z]
        loss = 0.0
        for s in range(2):
            q = swav_codes(scores[s].detach())
            for t, st in enumerate(scores):
                if t != s:
                    loss = loss - (q * F.log_softmax(st / 0.1, dim=1)).sum(1).mean() / (len(scores) - 1)
        loss = loss / 2
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    return model, step, batch


def depict_setup(batch=100, k=10):
    model = Depict(k)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-8)
    x = torch.rand(batch, 1, 28, 28) * 2 - 1
    q = torch.softmax(torch.randn(batch, k), dim=1)

    def step():
        z, _, _ = model.ae.encode(x, noisy=True)
        h2_hat, h1_hat, x_hat = model.ae.decode(z)
        with torch.no_grad():  # the clean path: layer targets (and the batch norm's running statistics)
            _, h1, h2 = model.ae.encode(x, noisy=False)
        loss = F.mse_loss(x_hat, x) + 0.1 * (F.mse_loss(h1_hat, h1) + F.mse_loss(h2_hat, h2))
        loss = loss - (q * F.log_softmax(model.head(z), dim=1)).sum(1).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    return model, step, batch


def log1p_sum_exp(a, mask):
    masked = a.masked_fill(mask == 0, -1.0e4)
    m = masked.max(dim=1, keepdim=True).values.clamp_min(0.0)
    s = ((masked - m).exp() * mask).sum(1, keepdim=True) + (-m).exp()
    return (s.log() + m).squeeze(1)


def mlcd_setup(batch=128, centres=100, positives=4, scale=16.0):
    model = Mlcd(centres)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-8)
    x = torch.rand(batch, 1, 28, 28)
    g = torch.Generator().manual_seed(0)
    pos = torch.zeros(batch, centres)
    pos.scatter_(1, torch.stack([torch.randperm(centres, generator=g)[:positives] for _ in range(batch)]), 1.0)
    neg = 1.0 - pos

    def step():
        cos = F.normalize(model.encoder(x), dim=1) @ F.normalize(model.classifier, dim=1).t()
        logits = cos * scale
        loss = (log1p_sum_exp(logits, neg) + log1p_sum_exp(-logits, pos)).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    return model, step, batch


SETUPS = {"swav-step": swav_setup, "depict-step": depict_setup, "mlcd-step": mlcd_setup}


def time_steps(step, steps, repeat):
    for _ in range(3):  # warm-up (allocator, Adam state)
        step()
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(steps):
            step()
        runs.append((time.perf_counter() - t0) * 1e3 / steps)
    runs.sort()
    return runs[0], runs[len(runs) // 2]


def profile_ops(step, steps):
    for _ in range(3):
        step()
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
        for _ in range(steps):
            step()
    rows = sorted(prof.key_averages(), key=lambda e: -e.self_cpu_time_total)
    return [(e.key, e.self_cpu_time_total / 1e3 / steps, e.count // steps) for e in rows if e.self_cpu_time_total > 0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("workload")
    ap.add_argument("--threads", type=int, default=torch.get_num_threads())
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--ops", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    names = list(SETUPS) if a.workload == "all" else [a.workload]
    for name in names:
        if name not in SETUPS:
            raise SystemExit(f"unknown workload {name}; expected one of {', '.join(SETUPS)} or all")
        _, step, batch = SETUPS[name]()
        if a.ops:
            for op, ms, calls in profile_ops(step, a.steps):
                print(json.dumps({"workload": name, "op": op, "ms_per_step": ms, "calls_per_step": calls, "threads": a.threads}))
            continue
        best, med = time_steps(step, a.steps, a.repeat)
        print(json.dumps({
            "workload": name, "peer": "torch-cpu", "ms_per_iter": best, "ms_median": med,
            "images_per_s": batch * 1e3 / best, "batch": batch, "threads": a.threads, "torch": torch.__version__,
        }), flush=True)


if __name__ == "__main__":
    main()
