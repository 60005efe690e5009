//! Burer–Monteiro gradient of the Peng–Wei k-means SDP (Zhuang et al., ICLR 2024,
//! `BM_cluster.m`) with points as rows of x (n × p) and U (n × r):
//!
//!   s = Uᵀ1,  ŷ = y + β(U s − 1),  t = Uᵀŷ,  G = −2 x (xᵀ U) + ŷ sᵀ + 1 tᵀ,
//!
//! never forming x xᵀ. The two products use [`matmul`], a shared-memory tiled kernel on
//! strided operands (so xᵀ is a view of x).

use cubecl::prelude::*;

/// Tile edge of [`matmul`]; the cube has `TILE²` units.
pub const TILE: usize = 16;

/// C (m × n, row-major) = α · A · B with A(i, l) = `a[i·sa0 + l·sa1]` and
/// B(l, j) = `b[l·sb0 + j·sb1]` (transposes are stride swaps). One cube per `TILE × TILE` tile
/// of C over a 2-D grid (x: column tiles, y: row tiles); `TILE` × `TILE` tiles of A and B are
/// staged in shared memory.
#[cube(launch)]
#[allow(clippy::too_many_arguments)]
pub fn matmul<F: Float>(
    a: &Array<F>,
    b: &Array<F>,
    c: &mut Array<F>,
    m: usize,
    n: usize,
    inner: usize,
    sa0: usize,
    sa1: usize,
    sb0: usize,
    sb1: usize,
    alpha: f32,
    #[comptime] tile: usize,
) {
    let t = UNIT_POS as usize;
    let ty = t / tile;
    let tx = t % tile;
    let row = CUBE_POS_Y as usize * tile + ty;
    let col = CUBE_POS_X as usize * tile + tx;
    let mut ta = SharedMemory::<F>::new(tile * tile);
    let mut tb = SharedMemory::<F>::new(tile * tile);
    let mut acc = F::new(0.0);
    let steps = inner.div_ceil(tile);
    for s in 0..steps {
        let la = s * tile + tx;
        let lb = s * tile + ty;
        ta[ty * tile + tx] = if row < m && la < inner { a[row * sa0 + la * sa1] } else { F::new(0.0) };
        tb[ty * tile + tx] = if lb < inner && col < n { b[lb * sb0 + col * sb1] } else { F::new(0.0) };
        sync_cube();
        for l in 0..tile {
            acc += ta[ty * tile + l] * tb[l * tile + tx];
        }
        sync_cube();
    }
    if row < m && col < n {
        c[row * n + col] = F::cast_from(alpha) * acc;
    }
}

/// s_j = Σ_i U_ij (one unit per column j of U, n × r).
#[cube(launch)]
pub fn column_sums<F: Float>(u: &Array<F>, s: &mut Array<F>, n: usize, r: usize) {
    let j = ABSOLUTE_POS;
    if j < r {
        let mut acc = F::new(0.0);
        for i in 0..n {
            acc += u[i * r + j];
        }
        s[j] = acc;
    }
}

/// Multiplier estimate ŷ_i = y_i + β (Σ_j U_ij s_j − 1) (one unit per row).
#[cube(launch)]
pub fn bm_multiplier<F: Float>(
    u: &Array<F>,
    s: &Array<F>,
    y: &Array<F>,
    y_hat: &mut Array<F>,
    n: usize,
    r: usize,
    beta: f32,
) {
    let i = ABSOLUTE_POS;
    if i < n {
        let mut acc = F::new(0.0);
        for j in 0..r {
            acc += u[i * r + j] * s[j];
        }
        y_hat[i] = y[i] + F::cast_from(beta) * (acc - F::new(1.0));
    }
}

/// t_j = Σ_i ŷ_i U_ij (one unit per column).
#[cube(launch)]
pub fn weighted_column_sums<F: Float>(u: &Array<F>, w: &Array<F>, t: &mut Array<F>, n: usize, r: usize) {
    let j = ABSOLUTE_POS;
    if j < r {
        let mut acc = F::new(0.0);
        for i in 0..n {
            acc += w[i] * u[i * r + j];
        }
        t[j] = acc;
    }
}

/// Epilogue G_ij += ŷ_i s_j + t_j over the n × r gradient holding −2 x xᵀ U.
#[cube(launch)]
pub fn bm_gradient_epilogue<F: Float>(
    g: &mut Array<F>,
    y_hat: &Array<F>,
    s: &Array<F>,
    t: &Array<F>,
    n: usize,
    r: usize,
) {
    let e = ABSOLUTE_POS;
    if e < n * r {
        let i = e / r;
        let j = e % r;
        g[e] = g[e] + y_hat[i] * s[j] + t[j];
    }
}
