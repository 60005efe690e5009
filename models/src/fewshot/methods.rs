//! The methods of `clasp fewshot` and how each maps onto `clasp_core::bound`.

use clasp_core::bound::{
    Episode, LaplacianShotParams, Prototype, SlkParams, Symmetrise, laplacian_shot, simple_shot_labels, slk_few_shot,
};
use clasp_core::{MatRef, Real};

/// A few-shot method.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// Nearest support centroid on CL2N features (inductive baseline).
    Simpleshot,
    /// Support-initialised hard K-means on support ∪ query, support labels clamped.
    Kmeans,
    /// Support-initialised K-modes (mean-shift modes, Gaussian kernel), support labels clamped.
    Kmodes,
    /// LaplacianShot: Laplacian-regularised assignment of the queries to the (rectified) prototypes.
    Laplacianshot,
    /// SLK-Means: Laplacian K-means with bound updates over support ∪ query.
    SlkMeans,
    /// SLK-MS: Laplacian K-modes (mean-shift) with bound updates over support ∪ query.
    SlkMs,
}

impl Method {
    /// All methods, in report order.
    pub const ALL: [Method; 6] =
        [Method::Simpleshot, Method::Kmeans, Method::Kmodes, Method::Laplacianshot, Method::SlkMeans, Method::SlkMs];

    /// Command-line name.
    pub fn name(self) -> &'static str {
        match self {
            Method::Simpleshot => "simpleshot",
            Method::Kmeans => "kmeans",
            Method::Kmodes => "kmodes",
            Method::Laplacianshot => "laplacianshot",
            Method::SlkMeans => "slk-means",
            Method::SlkMs => "slk-ms",
        }
    }

    /// Whether λ and knn mean anything for this method.
    pub fn has_laplacian(self) -> bool {
        matches!(self, Method::Laplacianshot | Method::SlkMeans | Method::SlkMs)
    }

    /// Default support–query shift: on for LaplacianShot (CL2N + shift: the reference digits
    /// numbers of `crate::fewshot` are reproduced with it) and SLK (`train_SLK.py`), off for plain
    /// K-means / K-modes (the reference digits K-means row is reproduced without it).
    pub fn default_shift(self) -> bool {
        !matches!(self, Method::Kmeans | Method::Kmodes)
    }

    /// Default λ: 1.0 for LaplacianShot (`--lmd`), 0.7 for SLK (`run_SLK.sh`), 0 otherwise.
    pub fn default_lambda(self) -> f64 {
        match self {
            Method::Laplacianshot => 1.0,
            Method::SlkMeans | Method::SlkMs => 0.7,
            _ => 0.0,
        }
    }
}

/// Which form of the bound optimiser a method runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Preset {
    /// clasp's form: stopping on the majorised energy with the monotone safeguard, support
    /// rows clamped (`BoundParams::default`, `SlkParams::default`).
    #[default]
    Clasp,
    /// The released code verbatim (`LaplacianShotParams::reference`, `SlkParams::reference`):
    /// the reference energy, no safeguard, unclamped SLK support rows, the LaplacianShot shift
    /// only when rectifying.
    Reference,
}

/// A method with its hyper-parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MethodConfig {
    /// The method.
    pub method: Method,
    /// Laplacian weight λ.
    pub lambda: f64,
    /// kNN `n_neighbors` (knn − 1 neighbours).
    pub knn: usize,
    /// LaplacianShot prototype rectification.
    pub rectify: bool,
    /// Symmetrisation of the kNN graph.
    pub symmetrise: Symmetrise,
    /// Keep support assignments at their labels (K-means / K-modes / SLK).
    pub clamp_support: bool,
    /// Support–query shift (None: the method's default, [`Method::default_shift`]).
    pub shift: Option<bool>,
    /// Halve bound steps that would raise the energy.
    pub monotone: bool,
    /// clasp's or the released form of the optimiser (energy, SLK means, shift default).
    pub preset: Preset,
}

impl MethodConfig {
    /// clasp's configuration of `method` ([`Preset::Clasp`]).
    pub fn new(method: Method) -> Self {
        Self {
            method,
            lambda: method.default_lambda(),
            knn: 3,
            rectify: true,
            symmetrise: Symmetrise::None,
            clamp_support: true,
            shift: None,
            monotone: true,
            preset: Preset::Clasp,
        }
    }

    /// The released code's configuration of `method` ([`Preset::Reference`]): support rows
    /// not clamped, no monotone safeguard.
    pub fn reference(method: Method) -> Self {
        Self { clamp_support: false, monotone: false, preset: Preset::Reference, ..Self::new(method) }
    }

    /// [`new`](Self::new) or [`reference`](Self::reference), as `preset` says.
    pub fn for_preset(method: Method, preset: Preset) -> Self {
        match preset {
            Preset::Clasp => Self::new(method),
            Preset::Reference => Self::reference(method),
        }
    }

    /// Query labels for one episode (`support`/`query` row-major with `dim` columns).
    pub fn predict<T: Real>(
        &self,
        support: &[T],
        support_labels: &[usize],
        query: &[T],
        dim: usize,
        ways: usize,
    ) -> clasp_core::Result<Vec<usize>> {
        let s = MatRef::new(support, support.len() / dim.max(1), dim, "support")?;
        let q = MatRef::new(query, query.len() / dim.max(1), dim, "query")?;
        let ep = Episode::new(s, support_labels, q, ways)?;
        match self.method {
            Method::Simpleshot => simple_shot_labels(&ep),
            Method::Laplacianshot => {
                let base = match self.preset {
                    Preset::Clasp => LaplacianShotParams::default(),
                    Preset::Reference => LaplacianShotParams::reference(self.rectify),
                };
                let p = base
                    .bound(base.bound.lambda(self.lambda).monotone(self.monotone))
                    .knn(self.knn)
                    .symmetrise(self.symmetrise)
                    .rectify(self.rectify)
                    .shift(self.shift.unwrap_or(base.shift));
                Ok(laplacian_shot(&ep, &p)?.0)
            }
            m => {
                let prototype =
                    if matches!(m, Method::Kmodes | Method::SlkMs) { Prototype::KModes } else { Prototype::KMeans };
                let base = match self.preset {
                    Preset::Clasp => SlkParams::default(),
                    Preset::Reference => SlkParams::reference(prototype),
                };
                let lambda = if matches!(m, Method::Kmeans | Method::Kmodes) { 0.0 } else { self.lambda };
                let p = base
                    .prototype(prototype)
                    .bound(base.bound.lambda(lambda).monotone(self.monotone))
                    .knn(self.knn)
                    .symmetrise(self.symmetrise)
                    .clamp_support(self.clamp_support)
                    // The release shifts in every SLK-based method (`train_SLK.py`).
                    .shift(self.shift.unwrap_or(m.default_shift() || self.preset == Preset::Reference));
                Ok(slk_few_shot(&ep, &p)?.0)
            }
        }
    }
}
