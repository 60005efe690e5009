//! Bad input to the k-means SDP entry points gives typed errors and leaves outputs untouched.

use clasp_core::sdp::{
    AdmmParams, Affinity, BurerMonteiroParams, IlaParams, PgdParams, admm, burer_monteiro, ila_sdp, pgd,
};
use clasp_core::{Error, MatRef};

fn small() -> (Vec<f64>, usize, usize) {
    (vec![0.0, 0.0, 0.1, 0.0, 5.0, 5.0, 5.1, 5.0], 4, 2)
}

#[test]
fn non_finite_and_asymmetric_input() {
    let mut x = small().0;
    x[3] = f64::NAN;
    assert_eq!(
        Affinity::from_data(MatRef::new(&x, 4, 2, "x").unwrap()).unwrap_err(),
        Error::NonFinite { what: "x", index: 3 }
    );
    let d = [0.0, 1.0, 2.0, 0.0];
    assert!(matches!(Affinity::from_distances(MatRef::new(&d, 2, 2, "d").unwrap()), Err(Error::NotSymmetric { .. })));
    let d = [0.0, f64::INFINITY, f64::INFINITY, 0.0];
    assert!(matches!(Affinity::from_distances(MatRef::new(&d, 2, 2, "d").unwrap()), Err(Error::NonFinite { .. })));
    let (x, n, p) = small();
    let mut xb = x.clone();
    xb[0] = f64::NAN;
    assert!(matches!(
        burer_monteiro(MatRef::new(&xb, n, p, "x").unwrap(), 2, &BurerMonteiroParams::default()),
        Err(Error::NonFinite { .. })
    ));
}

#[test]
fn cluster_counts_parameters_and_buffers() {
    let (x, n, p) = small();
    let aff = Affinity::from_data(MatRef::new(&x, n, p, "x").unwrap()).unwrap();
    let mut z = vec![7.0f64; n * n];
    for k in [0, 5] {
        assert_eq!(admm(&aff, k, &AdmmParams::default(), &mut z).unwrap_err(), Error::InvalidClusterCount { k, n });
        assert_eq!(pgd(&aff, k, &PgdParams::default(), &mut z).unwrap_err(), Error::InvalidClusterCount { k, n });
    }
    let bad = AdmmParams::default().tol(0.0);
    assert!(matches!(admm(&aff, 2, &bad, &mut z), Err(Error::InvalidParameter { name: "tol", .. })));
    let bad = AdmmParams::default().rho(Some(-1.0));
    assert!(matches!(admm(&aff, 2, &bad, &mut z), Err(Error::InvalidParameter { name: "rho", .. })));
    let bad = PgdParams::default().inner_iter(0);
    assert!(matches!(pgd(&aff, 2, &bad, &mut z), Err(Error::InvalidParameter { name: "inner_iter", .. })));
    let mut short = vec![7.0f64; n * n - 1];
    assert!(matches!(admm(&aff, 2, &AdmmParams::default(), &mut short), Err(Error::ShapeMismatch { .. })));
    assert!(z.iter().chain(&short).all(|&v| v == 7.0), "outputs written on error");
    let xm = MatRef::new(&x, n, p, "x").unwrap();
    let bm = BurerMonteiroParams::default().rank(1);
    assert!(matches!(burer_monteiro(xm, 2, &bm), Err(Error::InvalidParameter { name: "rank", .. })));
    assert!(matches!(burer_monteiro(xm, 9, &BurerMonteiroParams::default()), Err(Error::InvalidClusterCount { .. })));
    assert!(matches!(ila_sdp(xm, 2, &[0, 0, 1], &IlaParams::default()), Err(Error::ShapeMismatch { .. })));
    assert!(matches!(ila_sdp(xm, 2, &[0, 0, 1, 2], &IlaParams::default()), Err(Error::IndexOutOfRange { .. })));
    let bad = IlaParams::default().reg(-1.0);
    assert!(matches!(ila_sdp(xm, 2, &[0, 0, 1, 1], &bad), Err(Error::InvalidParameter { name: "reg", .. })));
}
