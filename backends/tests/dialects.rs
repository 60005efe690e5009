//! Every kernel is compiled by cubecl's compilers to CUDA C++, HIP C++ and WGSL, and the texts
//! are compiled for real without a GPU: CUDA → PTX with NVRTC (cudarc), HIP → an AMD code
//! object with Debian's clang-15 and lld-15 (`-x hip --cuda-device-only`), WGSL parsed and validated by naga.
//! A syntax error in any dialect fails the test.
//!
//! Tools are found through the environment (set by `backends/ci-gpu.sh`): NVRTC through the
//! dynamic loader (`LD_LIBRARY_PATH` must hold `libnvrtc.so`) with the CUDA headers in
//! `CLASP_CUDA_INCLUDE`; the HIP compiler in `CLASP_HIP_CLANG` (default `clang++-15`) with the
//! device libraries in `CLASP_ROCM_DEVICE_LIBS` (default Debian's path). When a tool is missing
//! the test FAILS if `CI=true`, otherwise it prints a loud message and checks the other dialects.

use std::path::PathBuf;
use std::process::Command;

use clasp_backends::kernels::{
    bound, gmm, hard_targets, kmeans, reduce, sdp_gradient, sinkhorn_log, sinkhorn_scaling, swav_batched,
};
use cubecl::ir::{DeviceProperties, HardwareProperties, MemoryDeviceProperties, VectorSize};
use cubecl::prelude::*;
use cubecl::{Compiler, ExecutionMode, profile::TimingMethod};
use cubecl_cpp::shared::{CompilationOptions, CppCompiler};

type CudaC = CppCompiler<cubecl_cpp::cuda::CudaDialect<cubecl_cpp::cuda::mma::CudaWmmaCompiler>>;
type HipC = CppCompiler<cubecl_cpp::hip::HipDialect<cubecl_cpp::hip::mma::WmmaIntrinsicCompiler>>;

const B: usize = 128;
const R: usize = 8;

fn fake_props(warp: u32) -> DeviceProperties {
    let hw = HardwareProperties {
        load_width: 128,
        plane_size_min: warp,
        plane_size_max: warp,
        max_bindings: 1024,
        max_shared_memory_size: 48 << 10,
        max_cube_count: (i32::MAX as u32, 65535, 65535),
        max_units_per_cube: 1024,
        max_cube_dim: (1024, 1024, 64),
        num_streaming_multiprocessors: None,
        num_cpu_cores: None,
        num_tensor_cores: None,
        min_tensor_cores_dim: None,
        max_vector_size: VectorSize::MAX,
    };
    let mut p = DeviceProperties::new(
        Default::default(),
        MemoryDeviceProperties { max_page_size: 1 << 30, alignment: 512 },
        hw,
        TimingMethod::System,
    );
    cubecl_cpp::register_supported_types(&mut p);
    p
}

fn define(name: &str, props: &DeviceProperties, body: &dyn Fn(&mut KernelBuilder)) -> KernelDefinition {
    let mut b = KernelBuilder::default();
    b.runtime_properties(Default::default());
    b.device_properties(props);
    AddressType::U32.register(&mut b.scope);
    body(&mut b);
    b.build(KernelSettings::default().cube_dim(CubeDim::new_1d(B as u32)).kernel_name(name))
}

const NO_ALIAS: ArrayCompilationArg = ArrayCompilationArg { inplace: None };
fn inp(b: &mut KernelBuilder) -> <Array<f32> as CubeType>::ExpandType {
    <Array<f32> as LaunchArg>::expand(&NO_ALIAS, b)
}
fn out(b: &mut KernelBuilder) -> <Array<f32> as CubeType>::ExpandType {
    <Array<f32> as LaunchArg>::expand_output(&NO_ALIAS, b)
}
fn out_u32(b: &mut KernelBuilder) -> <Array<u32> as CubeType>::ExpandType {
    <Array<u32> as LaunchArg>::expand_output(&NO_ALIAS, b)
}
fn inp_u32(b: &mut KernelBuilder) -> <Array<u32> as CubeType>::ExpandType {
    <Array<u32> as LaunchArg>::expand(&NO_ALIAS, b)
}
fn us(b: &mut KernelBuilder) -> <usize as CubeType>::ExpandType {
    <usize as LaunchArg>::expand(&(), b)
}
fn fl(b: &mut KernelBuilder) -> <f32 as CubeType>::ExpandType {
    <f32 as LaunchArg>::expand(&(), b)
}
fn u32s(b: &mut KernelBuilder) -> <u32 as CubeType>::ExpandType {
    <u32 as LaunchArg>::expand(&(), b)
}

type Body = Box<dyn Fn(&mut KernelBuilder)>;

/// Every launchable kernel, with each comptime variant the host code uses.
fn kernels() -> Vec<(String, Body)> {
    let mut v: Vec<(String, Body)> = vec![
        (
            "max_all".into(),
            Box::new(|b| {
                let (i, o) = (inp(b), out(b));
                reduce::max_all::expand::<f32>(&mut b.scope, i, o, B)
            }),
        ),
        (
            "sum_partials".into(),
            Box::new(|b| {
                let (p, o, n, l) = (inp(b), out(b), us(b), us(b));
                reduce::sum_partials::expand::<f32>(&mut b.scope, p, o, n, l)
            }),
        ),
        (
            "exp_rows".into(),
            Box::new(|b| {
                let (s, g, m, r, c, r0, e) = (inp(b), out(b), out(b), us(b), us(b), us(b), fl(b));
                sinkhorn_scaling::exp_rows::expand::<f32>(&mut b.scope, s, g, m, r, c, r0, e, B)
            }),
        ),
        (
            "init_row_scaling".into(),
            Box::new(|b| {
                let (m, g, u, e) = (inp(b), inp(b), out(b), fl(b));
                sinkhorn_scaling::init_row_scaling::expand::<f32>(&mut b.scope, m, g, u, e)
            }),
        ),
        (
            "scaling_codes".into(),
            Box::new(|b| {
                let (g, u, v, a, c, r, k, r0) = (inp(b), inp(b), inp(b), inp(b), out(b), us(b), us(b), us(b));
                sinkhorn_scaling::scaling_codes::expand::<f32>(&mut b.scope, g, u, v, a, c, r, k, r0)
            }),
        ),
        (
            "swav_codes_batched".into(),
            Box::new(|b| {
                let (s, c, l, n, k, e, t) = (inp(b), out(b), out_u32(b), us(b), us(b), fl(b), u32s(b));
                swav_batched::swav_codes_batched::expand::<f32>(&mut b.scope, s, c, l, n, k, e, t, 1024, 2048, B)
            }),
        ),
    ];
    for flag in [false, true] {
        v.push((
            format!("scaling_row_pass_first_{flag}"),
            Box::new(move |b| {
                let (g, vv, a, u, p, r, c, r0, p0) =
                    (inp(b), inp(b), inp(b), out(b), out(b), us(b), us(b), us(b), us(b));
                sinkhorn_scaling::scaling_row_pass::expand::<f32>(
                    &mut b.scope,
                    g,
                    vv,
                    a,
                    u,
                    p,
                    r,
                    c,
                    r0,
                    p0,
                    R,
                    B,
                    flag,
                )
            }),
        ));
        v.push((
            format!("scaling_col_finalise_update_{flag}"),
            Box::new(move |b| {
                let (p, bb, vv, e, n, c) = (inp(b), inp(b), out(b), out(b), us(b), us(b));
                sinkhorn_scaling::scaling_col_finalise::expand::<f32>(&mut b.scope, p, bb, vv, e, n, c, flag)
            }),
        ));
        v.push((
            format!("row_argmax_additive_{flag}"),
            Box::new(move |b| {
                let (m, c, l, r, k, r0) = (inp(b), inp(b), out_u32(b), us(b), us(b), us(b));
                hard_targets::row_argmax::expand::<f32>(&mut b.scope, m, c, l, r, k, r0, B, flag)
            }),
        ));
        v.push((
            format!("log_row_pass_first_{flag}"),
            Box::new(move |b| {
                let (s, g, la, f, cm, cs, r, c, e, sg) =
                    (inp(b), inp(b), inp(b), out(b), out(b), out(b), us(b), us(b), fl(b), fl(b));
                sinkhorn_log::log_row_pass::expand::<f32>(&mut b.scope, s, g, la, f, cm, cs, r, c, e, sg, R, B, flag)
            }),
        ));
        v.push((
            format!("log_col_finalise_update_{flag}"),
            Box::new(move |b| {
                let (cm, cs, lb, g, e, p, c, eps) = (inp(b), inp(b), inp(b), out(b), out(b), us(b), us(b), fl(b));
                sinkhorn_log::log_col_finalise::expand::<f32>(&mut b.scope, cm, cs, lb, g, e, p, c, eps, flag)
            }),
        ));
        v.push((
            format!("log_plan_codes_{flag}"),
            Box::new(move |b| {
                let (s, f, g, la, o, r, c, e, sg) =
                    (inp(b), inp(b), inp(b), inp(b), out(b), us(b), us(b), fl(b), fl(b));
                sinkhorn_log::log_plan::expand::<f32>(&mut b.scope, s, f, g, la, o, r, c, e, sg, flag)
            }),
        ));
    }
    extra_kernels(&mut v);
    v
}

/// Kernels of the clustering families (k-means, GMM, bound, SDP gradient).
fn extra_kernels(v: &mut Vec<(String, Body)>) {
    v.push((
        "kmeans_assign".into(),
        Box::new(|b| {
            let (x, c, l, d2, p, n, k, d) = (inp(b), inp(b), out_u32(b), out(b), out(b), us(b), us(b), us(b));
            kmeans::kmeans_assign::expand::<f32>(&mut b.scope, x, c, l, d2, p, n, k, d, B)
        }),
    ));
    v.push((
        "kmeans_update".into(),
        Box::new(|b| {
            let (s, c, k, d) = (inp(b), out(b), us(b), us(b));
            kmeans::kmeans_update::expand::<f32>(&mut b.scope, s, c, k, d)
        }),
    ));
    for kind in clasp_core::mixture::CovarianceType::ALL {
        v.push((
            format!("gmm_estep_{}", kind.name()),
            Box::new(move |b| {
                let (x, m, p, lc, r, lr, n, k, d) =
                    (inp(b), inp(b), inp(b), inp(b), out(b), out(b), us(b), us(b), us(b));
                gmm::gmm_estep::expand::<f32>(&mut b.scope, x, m, p, lc, r, lr, n, k, d, kind)
            }),
        ));
    }
    for squares in [false, true] {
        v.push((
            format!("gmm_weighted_sums_squares_{squares}"),
            Box::new(move |b| {
                let (x, r, p, n, k, d) = (inp(b), inp(b), out(b), us(b), us(b), us(b));
                gmm::gmm_weighted_sums::expand::<f32>(&mut b.scope, x, r, p, n, k, d, B, squares)
            }),
        ));
    }
    for step in [false, true] {
        v.push((
            format!("bound_update_step_{step}"),
            Box::new(move |b| {
                let (rp, ci, w, a, y, yn, e, n, k, fx, l) =
                    (inp_u32(b), inp_u32(b), inp(b), inp(b), inp(b), out(b), out(b), us(b), us(b), us(b), fl(b));
                bound::bound_update::expand::<f32>(&mut b.scope, rp, ci, w, a, y, yn, e, n, k, fx, l, step)
            }),
        ));
    }
    v.push((
        "matmul".into(),
        Box::new(|b| {
            let (a, bb, c) = (inp(b), inp(b), out(b));
            let (m, n, i, sa0, sa1, sb0, sb1, al) = (us(b), us(b), us(b), us(b), us(b), us(b), us(b), fl(b));
            sdp_gradient::matmul::expand::<f32>(
                &mut b.scope,
                a,
                bb,
                c,
                m,
                n,
                i,
                sa0,
                sa1,
                sb0,
                sb1,
                al,
                sdp_gradient::TILE,
            )
        }),
    ));
    v.push((
        "column_sums".into(),
        Box::new(|b| {
            let (u, s, n, r) = (inp(b), out(b), us(b), us(b));
            sdp_gradient::column_sums::expand::<f32>(&mut b.scope, u, s, n, r)
        }),
    ));
    v.push((
        "bm_multiplier".into(),
        Box::new(|b| {
            let (u, s, y, yh, n, r, be) = (inp(b), inp(b), inp(b), out(b), us(b), us(b), fl(b));
            sdp_gradient::bm_multiplier::expand::<f32>(&mut b.scope, u, s, y, yh, n, r, be)
        }),
    ));
    v.push((
        "weighted_column_sums".into(),
        Box::new(|b| {
            let (u, w, t, n, r) = (inp(b), inp(b), out(b), us(b), us(b));
            sdp_gradient::weighted_column_sums::expand::<f32>(&mut b.scope, u, w, t, n, r)
        }),
    ));
    v.push((
        "bm_gradient_epilogue".into(),
        Box::new(|b| {
            let (g, yh, s, t, n, r) = (out(b), inp(b), inp(b), inp(b), us(b), us(b));
            sdp_gradient::bm_gradient_epilogue::expand::<f32>(&mut b.scope, g, yh, s, t, n, r)
        }),
    ));
}

fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

fn missing(tool: &str, hint: &str) {
    if ci() {
        panic!("CI=true but {tool} is missing: {hint}");
    }
    eprintln!("\n!!!!!!!! {tool} NOT FOUND — that dialect is generated but NOT compiled ({hint}) !!!!!!!!\n");
}

fn generate(dialect: &str) -> Vec<(String, String)> {
    let u32t = AddressType::U32.unsigned_type();
    let mut texts = Vec::new();
    for (name, body) in kernels() {
        let text = match dialect {
            "cuda" => {
                let def = define(&name, &fake_props(32), &*body);
                CudaC::default()
                    .compile(def, &CompilationOptions::default(), ExecutionMode::Checked, u32t)
                    .unwrap_or_else(|e| panic!("{name}: cubecl CUDA compiler: {e:?}"))
                    .to_string()
            }
            "hip" => {
                let def = define(&name, &fake_props(64), &*body);
                let opts = CompilationOptions { warp_size: 64, ..Default::default() };
                HipC::default()
                    .compile(def, &opts, ExecutionMode::Checked, u32t)
                    .unwrap_or_else(|e| panic!("{name}: cubecl HIP compiler: {e:?}"))
                    .to_string()
            }
            #[cfg(feature = "wgpu")]
            "wgsl" => {
                let def = define(&name, &fake_props(32), &*body);
                cubecl::wgpu::WgslCompiler::default()
                    .compile(def, &cubecl::WgpuCompilationOptions::default(), ExecutionMode::Checked, u32t)
                    .unwrap_or_else(|e| panic!("{name}: cubecl WGSL compiler: {e:?}"))
                    .to_string()
            }
            other => panic!("unknown dialect {other}"),
        };
        texts.push((name, text));
    }
    texts
}

#[test]
fn every_kernel_compiles_to_ptx_with_nvrtc() {
    let texts = generate("cuda");
    assert!(texts.iter().all(|(_, t)| t.contains("__global__")));
    // SAFETY: only checks whether the shared library can be opened.
    if !unsafe { cudarc::nvrtc::sys::is_culib_present() } {
        return missing(
            "NVRTC (libnvrtc.so)",
            "pip install nvidia-cuda-nvrtc-cu12 and put its lib dir on LD_LIBRARY_PATH",
        );
    }
    let include = std::env::var("CLASP_CUDA_INCLUDE").ok();
    if include.is_none() {
        return missing("CLASP_CUDA_INCLUDE", "the include dir of nvidia-cuda-runtime-cu12");
    }
    for (name, src) in texts {
        let opts = cudarc::nvrtc::CompileOptions {
            arch: Some("compute_80"),
            include_paths: include.iter().cloned().collect(),
            ..Default::default()
        };
        match cudarc::nvrtc::compile_ptx_with_opts(&src, opts) {
            Ok(ptx) => assert!(ptx.to_src().contains(".entry"), "{name}: PTX has no entry"),
            Err(e) => panic!("{name}: NVRTC rejected the CUDA source: {e:?}\n{src}"),
        }
    }
}

#[test]
fn every_kernel_compiles_to_an_amdgpu_code_object_with_clang() {
    let texts = generate("hip");
    let clang = std::env::var("CLASP_HIP_CLANG").unwrap_or_else(|_| "clang++-15".into());
    let libs =
        std::env::var("CLASP_ROCM_DEVICE_LIBS").unwrap_or_else(|_| "/usr/lib/x86_64-linux-gnu/amdgcn/bitcode".into());
    if Command::new(&clang).arg("--version").output().is_err() || !PathBuf::from(&libs).is_dir() {
        return missing(&clang, "apt-get install clang-15 lld-15 libamdhip64-dev rocm-device-libs (never hipcc)");
    }
    let dir = std::env::temp_dir().join(format!("clasp-hip-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, src) in texts {
        let file = dir.join(format!("{name}.hip.cpp"));
        std::fs::write(&file, &src).unwrap();
        let obj = dir.join(format!("{name}.o"));
        let res = Command::new(&clang)
            .args([
                "-x",
                "hip",
                "--offload-arch=gfx1030",
                "--cuda-device-only",
                "--no-gpu-bundle-output",
                "--rocm-path=/usr",
                "-O1",
            ])
            .arg(format!("--rocm-device-lib-path={libs}"))
            .arg("-c")
            .arg(&file)
            .arg("-o")
            .arg(&obj)
            .output()
            .unwrap();
        assert!(
            res.status.success(),
            "{name}: clang rejected the HIP source:\n{}\n{src}",
            String::from_utf8_lossy(&res.stderr)
        );
        // An AMDGPU code object: ELF with e_machine = EM_AMDGPU (0xE0).
        let bytes = std::fs::read(&obj).unwrap();
        assert!(
            bytes.len() > 20 && &bytes[..4] == b"\x7fELF" && bytes[18] == 0xE0,
            "{name}: not an AMDGPU ELF code object"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(feature = "wgpu")]
#[test]
fn every_kernel_generates_valid_wgsl() {
    for (name, src) in generate("wgsl") {
        let module =
            naga::front::wgsl::parse_str(&src).unwrap_or_else(|e| panic!("{name}: {}\n{src}", e.emit_to_string(&src)));
        naga::valid::Validator::new(naga::valid::ValidationFlags::all(), naga::valid::Capabilities::all())
            .validate(&module)
            .unwrap_or_else(|e| panic!("{name}: invalid WGSL: {e:?}\n{src}"));
    }
}
