//! `CLASP_REQUIRE_GPU=1` promises that the GPU tests ran. Without the `wgpu` feature they are
//! not even compiled (`#![cfg(feature = "wgpu")]`), so `CLASP_REQUIRE_GPU=1 cargo test
//! --workspace` would pass having checked no device: this test fails instead. CI's
//! `cargo test --workspace --features clasp-models/wgpu` turns on clasp-backends' `wgpu`
//! through clasp-models (features unify per package across the workspace build), so there
//! this test is compiled out.

#[cfg(not(feature = "wgpu"))]
#[test]
fn gpu_required_but_the_wgpu_feature_is_off() {
    assert!(
        std::env::var("CLASP_REQUIRE_GPU").as_deref() != Ok("1"),
        "CLASP_REQUIRE_GPU=1 but clasp-backends was built without the `wgpu` feature: no GPU test was compiled, \
         none ran. Run `cargo test --workspace --features clasp-models/wgpu` (or unset CLASP_REQUIRE_GPU)."
    );
}
