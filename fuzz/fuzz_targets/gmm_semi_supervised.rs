//! `semi_supervised_em` with partial (and sometimes out-of-range) labels, every storage
//! scalar: on `Ok` the model is valid, labelled rows keep their class and every label is a
//! component.
#![no_main]

use clasp_core::Linalg;
use clasp_core::Real;
use clasp_core::mixture::semi_supervised_em;
use clasp_fuzz::mixture::{assert_model, with_data};
use clasp_fuzz::{Result, Unstructured, acc_eps, assert_labels, describe};

fn run<T: Real>(u: &mut Unstructured<'_>) -> Result<()>
where
    T::Acc: Linalg,
{
    with_data::<T>(u, |u, xm, params| {
        let n = xm.rows();
        let nl = clasp_fuzz::ot::jitter(u, n)?;
        let labels: Vec<Option<usize>> = (0..nl)
            .map(|_| Ok(if u.arbitrary()? { Some(u.int_in_range(0..=params.k)?) } else { None }))
            .collect::<Result<_>>()?;
        match semi_supervised_em(xm, &labels, params) {
            Ok(s) => {
                assert_model(&s.fit.model, acc_eps::<T>() * 1e3);
                assert_labels(&s.labels, params.k, "labels");
                for (i, (l, &got)) in labels.iter().zip(&s.labels).enumerate() {
                    if let Some(c) = l {
                        assert_eq!(*c, got, "labelled row {i} moved");
                    }
                }
            }
            Err(e) => {
                describe(&e);
            }
        }
        Ok(())
    })
}

clasp_fuzz::fuzz_case!(|u| { clasp_fuzz::each_real!(u, run(u)) });
