"""Trace of DeepDPM's split/merge Hastings ratios on a small fixed input.

A transcription of the mathematics (not the code) of DeepDPM's released implementation,
BGU-CS-VIL/DeepDPM at commit 95c9376ac1b0cb48ea017c52d3abbf2a901940b3:

- src/clustering_models/clusternet_modules/utils/clustering_utils/priors.py
  NIW_prior.init_priors (m = data mean, Psi = s * I for prior_sigma_choice "isotropic"),
  compute_params_post, compute_post_mus and log_marginal_likelihood (the NIW evidence of a
  hard cluster about a supplied centre mu: Psi* = Psi + sum (x - mu)(x - mu)^T
  + kappa N / (kappa + N) (mu - m)(mu - m)^T).
- src/clustering_models/clusternet_modules/utils/clustering_utils/split_merge_operations.py
  log_Hastings_ratio_split / log_Hastings_ratio_merge (l. 22-76), split_rule (l. 79-117:
  whole cluster about mus[k], sides about mus_sub[2k], mus_sub[2k+1]), merge_rule
  (l. 522-571: parts about mus[k1], mus[k2], the union about (N1 mu1 + N2 mu2) / N).
- DeepDPM.py defaults: alpha 10, prior_kappa 1e-4, prior_sigma_scale 0.005,
  prior_sigma_choice isotropic; src/utils.py: NIW_prior_nu = D + 2 when unset.

Sub-cluster centres are the NIW posterior means of the fixed sub-cluster assignments
(compute_post_mus with hard counts, as init_mus_and_covs_sub does); component centres are
the hard-cluster posterior means plus a fixed offset (standing for the soft EM mean, so
that the test sees the supplied centre and not the sample mean).

Run by hand (numpy and scipy only):
    python3 -m venv /tmp/dpmenv && /tmp/dpmenv/bin/pip install numpy scipy
    /tmp/dpmenv/bin/python tests/reference/deepdpm_hastings.py > tests/fixtures/split_merge/deepdpm_hastings.json
"""

import json
import math

import numpy as np
from scipy.special import gammaln, multigammaln

ALPHA = 10.0
KAPPA = 1e-4
SIGMA_SCALE = 0.005


class Niw:
    def __init__(self, x):
        self.dim = x.shape[1]
        self.m = x.mean(axis=0)
        self.psi = np.eye(self.dim) * SIGMA_SCALE
        self.kappa = KAPPA
        self.nu = self.dim + 2.0

    def post_mean(self, n, xbar):
        # (N xbar + kappa m) / (N + kappa)
        return (n * xbar + self.kappa * self.m) / (n + self.kappa)

    def log_marginal(self, xk, mu):
        n, d = xk.shape
        kappa_s = self.kappa + n
        nu_s = self.nu + n
        y = xk - mu
        dm = mu - self.m
        psi_s = self.psi + y.T @ y + (self.kappa * n / kappa_s) * np.outer(dm, dm)
        return (
            -(n * d / 2.0) * math.log(math.pi)
            + multigammaln(nu_s / 2.0, d)
            - multigammaln(self.nu / 2.0, d)
            + (self.nu / 2.0) * np.linalg.slogdet(self.psi)[1]
            - (nu_s / 2.0) * np.linalg.slogdet(psi_s)[1]
            + (d / 2.0) * (math.log(self.kappa) - math.log(kappa_s))
        )


def log_h_split(n1, n2, l1, l2, l):
    return (math.log(ALPHA) + gammaln(n1) + l1 + gammaln(n2) + l2) - (gammaln(n1 + n2) + l)


def log_h_merge(n1, n2, l1, l2, l):
    g1 = 0.0 if n1 == 0 else gammaln(n1)
    g2 = 0.0 if n2 == 0 else gammaln(n2)
    return (gammaln(n1 + n2) - (math.log(ALPHA) + g1 + g2)) + (l - (l1 + l2))


def main():
    rng = np.random.RandomState(16)
    centres = np.array([[0.0, 0.0], [1.2, 0.1], [0.2, 1.5], [3.0, 3.0]])
    spreads = [0.25, 0.3, 0.2, 0.5]
    sizes = [14, 12, 16, 20]
    x, labels = [], []
    for k, (c, s, n) in enumerate(zip(centres, spreads, sizes)):
        x.append(np.round(c + s * rng.randn(n, 2), 4))
        labels += [k] * n
    x = np.vstack(x)
    labels = np.array(labels)
    # Fixed sub-clusters: the side of the cluster mean along the first coordinate
    # (cluster 3: along the second).
    sub = np.zeros(len(x), dtype=int)
    for k in range(len(centres)):
        idx = labels == k
        axis = 1 if k == 3 else 0
        sub[idx] = (x[idx, axis] > x[idx, axis].mean()).astype(int)
    prior = Niw(x)
    offsets = np.array([[0.01, -0.02], [-0.015, 0.005], [0.0, 0.02], [0.03, 0.01]])
    mus = []
    for k in range(len(centres)):
        xk = x[labels == k]
        mus.append(prior.post_mean(len(xk), xk.mean(axis=0)) + offsets[k])
    mus = np.array(mus)
    splits = []
    for k in range(len(centres)):
        xk = x[labels == k]
        sides = [xk[sub[labels == k] == s] for s in (0, 1)]
        mus_sub = [prior.post_mean(len(xs), xs.mean(axis=0)) for xs in sides]
        l = prior.log_marginal(xk, mus[k])
        l1 = prior.log_marginal(sides[0], mus_sub[0])
        l2 = prior.log_marginal(sides[1], mus_sub[1])
        splits.append({
            "cluster": k,
            "n": [len(sides[0]), len(sides[1])],
            "sub_means": [m.tolist() for m in mus_sub],
            "log_marginal": [l, l1, l2],
            "log_h": log_h_split(len(sides[0]), len(sides[1]), l1, l2, l),
        })
    merges = []
    for k1, k2 in [(0, 1), (0, 2), (1, 2), (2, 3)]:
        x1, x2 = x[labels == k1], x[labels == k2]
        n1, n2 = len(x1), len(x2)
        mu = (n1 / (n1 + n2)) * mus[k1] + (n2 / (n1 + n2)) * mus[k2]
        l = prior.log_marginal(np.vstack([x1, x2]), mu)
        l1 = prior.log_marginal(x1, mus[k1])
        l2 = prior.log_marginal(x2, mus[k2])
        merges.append({
            "pair": [k1, k2],
            "merged_mean": mu.tolist(),
            "log_marginal": [l, l1, l2],
            "log_h": log_h_merge(n1, n2, l1, l2, l),
        })
    out = {
        "source": "BGU-CS-VIL/DeepDPM@95c9376ac1b0cb48ea017c52d3abbf2a901940b3 priors.py, split_merge_operations.py",
        "generator": "tests/reference/deepdpm_hastings.py",
        "versions": {"numpy": np.__version__, "scipy": __import__("scipy").__version__},
        "alpha": ALPHA,
        "kappa": KAPPA,
        "prior_sigma_scale": SIGMA_SCALE,
        "nu": prior.nu,
        "dim": 2,
        "x": x.tolist(),
        "labels": labels.tolist(),
        "sub": sub.tolist(),
        "component_means": mus.tolist(),
        "splits": splits,
        "merges": merges,
    }
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
