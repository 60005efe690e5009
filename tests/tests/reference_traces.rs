//! clasp's `reference` presets against traces of the released code (issue 16): the
//! LaplacianShot bound update (`BoundParams::reference`) and SLK-Means
//! (`SlkParams::reference`) reproduce, iteration by iteration, the energies, iteration counts
//! and labels of `tests/reference/fewshot_bound.py` — a numpy transcription of
//! `imtiazziko/LaplacianShot` 5de2612 (`src/lshot_update.py`) and `imtiazziko/SLK-few-shot`
//! c2071eb (`src/SLK.py`, `src/bound_update.py`) run on four seeded episodes.

use clasp_core::bound::{
    BoundParams, Episode, LaplacianShotParams, Prototype, SlkParams, Symmetrise, bound_update_from_unary,
    bound_update_scratch, knn_affinity, laplacian_shot, slk_few_shot,
};
use clasp_core::{MatMut, MatRef};
use serde_json::Value;

fn traces(kind: &str) -> Vec<Value> {
    let all: Value = serde_json::from_str(include_str!("../reference/fewshot_bound.json")).expect("fixture");
    all[kind].as_array().expect("trace list").clone()
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array().expect("array").iter().map(|x| x.as_f64().expect("number")).collect()
}

fn ints(v: &Value) -> Vec<usize> {
    v.as_array().expect("array").iter().map(|x| x.as_u64().expect("integer") as usize).collect()
}

/// One traced episode: its data and the reference's energies.
struct Trace {
    seed: u64,
    ways: usize,
    dim: usize,
    support: Vec<f64>,
    support_labels: Vec<usize>,
    query: Vec<f64>,
    energies: Vec<f64>,
    labels: Vec<usize>,
}

impl Trace {
    fn parse(t: &Value) -> Self {
        Trace {
            seed: t["seed"].as_u64().expect("seed"),
            ways: t["ways"].as_u64().expect("ways") as usize,
            dim: t["dim"].as_u64().expect("dim") as usize,
            support: floats(&t["support"]),
            support_labels: ints(&t["support_labels"]),
            query: floats(&t["query"]),
            energies: floats(&t["energies"]),
            labels: ints(&t["labels"]),
        }
    }

    fn episode(&self) -> Episode<'_, f64> {
        let (ns, nq) = (self.support.len() / self.dim, self.query.len() / self.dim);
        let s = MatRef::new(&self.support, ns, self.dim, "support").expect("support");
        let q = MatRef::new(&self.query, nq, self.dim, "query").expect("query");
        Episode::new(s, &self.support_labels, q, self.ways).expect("episode")
    }
}

/// Relative agreement of two energies (the transcription sums in another order).
#[track_caller]
fn close(got: f64, want: f64, what: &str) {
    assert!((got - want).abs() <= 1e-10 * (1.0 + want.abs()), "{what}: clasp {got} vs reference {want}");
}

#[test]
fn laplacianshot_bound_update_matches_the_released_loop() {
    for raw in traces("laplacianshot") {
        let t = Trace::parse(&raw);
        let (ways, dim, energies) = (t.ways, t.dim, &t.energies);
        let (support, query, labels) = (&t.support, &t.query, &t.support_labels);
        let (ns, nq) = (support.len() / dim, query.len() / dim);
        // The unary costs and graph of `metric_class_type` without rectification.
        let mut protos = vec![0.0; ways * dim];
        for (row, &c) in support.chunks_exact(dim).zip(labels) {
            protos[c * dim..(c + 1) * dim].iter_mut().zip(row).for_each(|(m, v)| *m += v / (ns / ways) as f64);
        }
        let unary: Vec<f64> = query
            .chunks_exact(dim)
            .flat_map(|q| protos.chunks_exact(dim).map(move |m| q.iter().zip(m).map(|(a, b)| (a - b) * (a - b)).sum()))
            .collect();
        let qm = MatRef::new(query, nq, dim, "query").unwrap();
        let w = knn_affinity(qm, 3, Symmetrise::None).unwrap();
        let a = MatRef::new(&unary, nq, ways, "unary").unwrap();
        let mut scratch = vec![0.0; bound_update_scratch(nq, ways)];
        // Every prefix of the run: the energy after update t is the reference's t-th energy.
        for (t_done, &want) in energies.iter().enumerate() {
            let params = BoundParams::reference().max_iter(t_done + 1);
            let mut y = vec![0.0; nq * ways];
            let info = bound_update_from_unary(
                a,
                &w.as_ref(),
                &params,
                &mut MatMut::new(&mut y, nq, ways, "y").unwrap(),
                &mut scratch,
            )
            .unwrap();
            assert_eq!(info.iterations, t_done + 1, "seed {}", t.seed);
            close(info.energy, want, &format!("seed {} energy after update {}", t.seed, t_done + 1));
            assert_eq!(info.halvings, 0);
        }
        // The whole run through `laplacian_shot`: same iteration count, energy and labels.
        let (pred, info) = laplacian_shot(&t.episode(), &LaplacianShotParams::reference(false)).unwrap();
        assert_eq!(info.bound.iterations, energies.len(), "seed {}", t.seed);
        close(info.bound.energy, *energies.last().unwrap(), "final energy");
        assert_eq!(pred, t.labels, "seed {}", t.seed);
    }
}

#[test]
fn slk_means_matches_the_released_outer_loop() {
    for raw in traces("slk_kmeans") {
        let t = Trace::parse(&raw);
        let inner = ints(&raw["bound_iterations"]);
        let (ep, energies) = (t.episode(), &t.energies);
        for (outer, &want) in energies.iter().enumerate() {
            let params = SlkParams::reference(Prototype::KMeans).max_outer(outer + 1);
            let (_, info) = slk_few_shot(&ep, &params).unwrap();
            assert_eq!(info.outer_iterations, outer + 1, "seed {}", t.seed);
            assert_eq!(
                info.bound_iterations,
                inner[..=outer].iter().sum::<usize>(),
                "seed {} outer {}",
                t.seed,
                outer + 1
            );
            close(info.energy, want, &format!("seed {} energy after outer iteration {}", t.seed, outer + 1));
        }
        let (pred, info) = slk_few_shot(&ep, &SlkParams::reference(Prototype::KMeans)).unwrap();
        assert_eq!(info.outer_iterations, energies.len());
        assert_eq!(pred, t.labels, "seed {}", t.seed);
    }
}
