"""Reference traces of the released few-shot bound optimisers, for clasp's `reference` presets.

A transcription (numpy only) of the algorithms of
  * LaplacianShot, imtiazziko/LaplacianShot @ 5de261226f6904379cff4cc5a1d183e309934809:
    src/lshot_update.py (`normalize`, `entropy_energy`, `bound_update`) and src/train_lshot.py
    (`create_affinity`, the unary costs of `metric_class_type` without rectification);
  * SLK few-shot, imtiazziko/SLK-few-shot @ c2071eb98c860417c55abb60e49e01732be95cec:
    src/SLK.py (`SLK` with method='kmeans', `kmeans_update`, `km_le`,
    `compute_energy_lapkmode_cont`), src/bound_update.py (`bound_update`) and
    src/train_SLK.py (the support-query shift, `create_affinity`).
Run by hand (`python3 tests/reference/fewshot_bound.py`); it writes fewshot_bound.json beside
itself, which tests/tests/reference_traces.rs compares with clasp iteration by iteration.
"""
import json
import os

import numpy as np


def normalize(y_in):
    y = y_in - y_in.max(axis=1)[:, None]
    y = np.exp(y)
    return y / y.sum(axis=1)[:, None]


def entropy_energy(y, unary, kernel, lam):
    pairwise = kernel @ y
    return float((y * np.log(np.maximum(y, 1e-20)) + unary * y - lam * pairwise * y).sum())


def bound_update(unary, y, kernel, lam, iterations, tol):
    """The released loop: returns Y and the energy after every update."""
    old = float("inf")
    energies = []
    for i in range(iterations):
        y = normalize(-unary + lam * (kernel @ y))
        e = entropy_energy(y, unary, kernel, lam)
        energies.append(e)
        if i > 1 and abs(e - old) <= tol * abs(old):
            break
        old = e
    return y, energies


def create_affinity(x, knn):
    """Brute-force kNN with the point itself first (ties by index), knn - 1 neighbours, weight 1."""
    n = x.shape[0]
    d2 = ((x[:, None, :] - x[None, :, :]) ** 2).sum(-1)
    w = np.zeros((n, n))
    for p in range(n):
        order = np.lexsort((np.arange(n), d2[p]))
        for q in order[1:knn]:
            w[p, q] = 1.0
    return w


def episode(seed, ways, shots, queries, dim):
    rng = np.random.default_rng(seed)
    centres = rng.normal(0.0, 1.0, (ways, dim))
    support = np.concatenate([centres[c] + 0.6 * rng.normal(size=(shots, dim)) for c in range(ways)])
    query = np.concatenate([centres[c] + 0.6 * rng.normal(size=(queries, dim)) + 0.3 for c in range(ways)])
    labels = np.repeat(np.arange(ways), shots)
    return support, labels, query


def laplacianshot_trace(seed):
    ways, shots, queries, dim = 3, 2, 6, 4
    support, labels, query = episode(seed, ways, shots, queries, dim)
    protos = support.reshape(ways, shots, dim).mean(1)
    unary = ((query[:, None, :] - protos[None, :, :]) ** 2).sum(-1)
    w = create_affinity(query, 3)
    y, energies = bound_update(unary, normalize(-unary), w, 1.0, 20, 1e-6)
    return {
        "seed": seed, "ways": ways, "dim": dim, "support": support.ravel().tolist(), "support_labels": labels.tolist(),
        "query": query.ravel().tolist(), "energies": energies, "y": y.ravel().tolist(),
        "labels": y.argmax(1).tolist(),
    }


def slk_kmeans_trace(seed):
    ways, shots, queries, dim = 3, 2, 6, 4
    support, labels, raw_query = episode(seed, ways, shots, queries, dim)
    query = raw_query + (support.mean(0) - raw_query.mean(0))
    x = np.concatenate([support, query])
    n, ns = x.shape[0], support.shape[0]
    w = create_affinity(x, 3)
    c = support.reshape(ways, shots, dim).mean(1)
    lam = 0.7
    l = ((x[:, None, :] - c[None, :, :]) ** 2).sum(-1).argmin(1)
    l[:ns] = labels
    old_e = None
    energies, bound_iterations = [], []
    for i in range(100):
        old_c, old_l = c.copy(), l.copy()
        c = np.stack([x[l == k].mean(0) for k in range(ways)])
        a = ((x[:, None, :] - c[None, :, :]) ** 2).sum(-1)
        y = normalize(-a)
        y[:ns, :] = 0
        y[np.arange(ns), labels] = 1
        z, inner = bound_update(a, y, w, lam, 600, 1e-7)
        bound_iterations.append(len(inner))
        l = z.argmax(1)
        if len(np.unique(l)) != ways:
            l, c = old_l, old_c
            break
        e = float((z * a).sum() - lam * sum(z[:, k] @ (w @ z[:, k]) for k in range(ways)))
        energies.append(e)
        if i > 1 and abs(e - old_e) <= 1e-4 * abs(old_e):
            break
        old_e = e
    return {
        "seed": seed, "ways": ways, "dim": dim, "support": support.ravel().tolist(), "support_labels": labels.tolist(),
        "query": raw_query.ravel().tolist(), "energies": energies,
        "bound_iterations": bound_iterations, "labels": l[ns:].tolist(),
    }


def main():
    out = {
        "laplacianshot": [laplacianshot_trace(s) for s in range(4)],
        "slk_kmeans": [slk_kmeans_trace(s) for s in range(4)],
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fewshot_bound.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
