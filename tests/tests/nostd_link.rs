//! The no_std proof: builds `tests/nostd` — a `#![no_std] #![no_main]` binary with its own
//! panic handler, linked against libc only, that calls clasp-core with default features off
//! and no global allocator — runs it, and checks its symbols. The build itself fails if the
//! core pulls in `std` (duplicate `panic_impl`) or `alloc` (no global allocator).

use std::path::PathBuf;
use std::process::Command;

#[test]
fn core_links_into_a_no_std_no_main_binary_without_heap() {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("nostd").join("Cargo.toml");
    let target = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("nostd");
    let out = Command::new(env!("CARGO"))
        .args(["build", "--release", "--quiet", "--manifest-path"])
        .arg(&manifest)
        .arg("--target-dir")
        .arg(&target)
        .env_remove("RUSTFLAGS")
        .output()
        .expect("run cargo");
    assert!(out.status.success(), "no_std build failed:\n{}", String::from_utf8_lossy(&out.stderr));

    let bin = target.join("release").join("clasp-nostd-proof");
    let run = Command::new(&bin).output().expect("run the no_std binary");
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(run.status.success(), "no_std binary failed: {stdout}");
    assert!(stdout.lines().all(|l| l.ends_with(" ok")) && !stdout.is_empty(), "unexpected output: {stdout}");
    println!("{stdout}");

    let nm = Command::new("nm").arg(&bin).output().expect("nm (binutils) is needed for the symbol check");
    let symbols = String::from_utf8_lossy(&nm.stdout);
    for forbidden in ["__rust_alloc", "__rg_alloc", "__rdl_alloc", "std::"] {
        assert!(!symbols.contains(forbidden), "the no_std binary contains `{forbidden}`");
    }
}
