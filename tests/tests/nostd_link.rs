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

    // Demangled (`-C`): Rust symbols are mangled (`_ZN3std…`, `_RNv…3std…`), so a search for
    // `std::` in plain `nm` output could never match.
    let nm = Command::new("nm").arg("-C").arg(&bin).output().expect("nm (binutils) is needed for the symbol check");
    assert!(nm.status.success(), "nm -C failed on {}: {}", bin.display(), String::from_utf8_lossy(&nm.stderr));
    let symbols = String::from_utf8_lossy(&nm.stdout);
    // The check reads demangled paths: the core's own symbols must show up as `clasp_core::…`.
    assert!(
        symbols.lines().any(|l| l.contains("clasp_core::")),
        "no demangled clasp_core:: symbol in the no_std binary (stripped, or nm does not demangle):\n{symbols}"
    );
    for forbidden in ["__rust_alloc", "__rg_alloc", "__rdl_alloc"] {
        assert!(!symbols.contains(forbidden), "the no_std binary contains `{forbidden}`");
    }
    for krate in ["std", "alloc"] {
        let hits: Vec<&str> = symbols.lines().filter(|l| mentions_crate(l, krate)).collect();
        assert!(hits.is_empty(), "the no_std binary has symbols of `{krate}`:\n{}", hits.join("\n"));
    }
}

/// Whether a demangled symbol line names a path of crate `krate` (`krate::` at the start of a
/// path, not as the tail of another name such as `my_std::`).
fn mentions_crate(line: &str, krate: &str) -> bool {
    let pat = format!("{krate}::");
    line.match_indices(&pat)
        .any(|(i, _)| line[..i].chars().next_back().is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == ':')))
}

#[test]
fn the_crate_filter_reads_demangled_paths() {
    assert!(mentions_crate("0000 t std::io::stdio::_print", "std"));
    assert!(mentions_crate("0000 t <alloc::vec::Vec<T> as core::ops::Drop>::drop", "alloc"));
    assert!(mentions_crate("0000 t <core::fmt::Arguments as std::fmt::Display>::fmt", "std"));
    assert!(!mentions_crate("0000 t core::panicking::panic_fmt", "std"));
    assert!(!mentions_crate("0000 t clasp_core::sinkhorn::alloc_free::run", "alloc"));
    assert!(!mentions_crate("0000 t my_std::f", "std"));
    // Mangled names (what plain `nm` prints) do not contain the path: the old check's blind spot.
    assert!(!mentions_crate("0000 t _ZN3std2io5stdio6_print17h0123456789abcdefE", "std"));
}
