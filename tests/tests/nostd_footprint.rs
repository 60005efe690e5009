//! Code size of the heap-free API: builds `tests/nostd-footprint` (opt-level "z", LTO, panic
//! abort, no heap) — `footprint` runs SwAV codes 64×16 and a diag-GMM predict through
//! `clasp_core::fixed`, `baseline` is the same skeleton without clasp — runs both, and
//! requires the `.text` difference (from `size -A`, binutils) to stay under 32 KB.

use std::path::{Path, PathBuf};
use std::process::Command;

const LIMIT: u64 = 32 * 1024;

fn section_size(bin: &Path, section: &str) -> u64 {
    let out = Command::new("size").arg("-A").arg(bin).output().expect("size (binutils) is needed");
    assert!(out.status.success(), "size -A failed on {}", bin.display());
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| {
            let mut f = l.split_whitespace();
            (f.next() == Some(section)).then(|| f.next().and_then(|s| s.parse().ok())).flatten()
        })
        .unwrap_or_else(|| panic!("no {section} in {}", bin.display()))
}

#[test]
fn fixed_api_code_size_is_under_32_kb() {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("nostd-footprint").join("Cargo.toml");
    let target = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("nostd-footprint");
    let out = Command::new(env!("CARGO"))
        .args(["build", "--release", "--quiet", "--bins", "--manifest-path"])
        .arg(&manifest)
        .arg("--target-dir")
        .arg(&target)
        .env_remove("RUSTFLAGS")
        .output()
        .expect("run cargo");
    assert!(out.status.success(), "footprint build failed:\n{}", String::from_utf8_lossy(&out.stderr));

    let dir = target.join("release");
    let (footprint, baseline) = (dir.join("footprint"), dir.join("baseline"));
    for bin in [&footprint, &baseline] {
        let run = Command::new(bin).output().expect("run the no_std binary");
        let stdout = String::from_utf8_lossy(&run.stdout);
        assert!(run.status.success(), "{} failed: {stdout}", bin.display());
        assert!(!stdout.is_empty() && stdout.lines().all(|l| l.ends_with(" ok")), "unexpected output: {stdout}");
    }
    let nm = Command::new("nm").arg(&footprint).output().expect("nm (binutils)");
    assert!(nm.status.success(), "nm failed on {}: {}", footprint.display(), String::from_utf8_lossy(&nm.stderr));
    let symbols = String::from_utf8_lossy(&nm.stdout);
    for forbidden in ["__rust_alloc", "__rg_alloc", "__rdl_alloc"] {
        assert!(!symbols.contains(forbidden), "the footprint binary contains `{forbidden}`");
    }

    let text = section_size(&footprint, ".text").saturating_sub(section_size(&baseline, ".text"));
    let rodata = section_size(&footprint, ".rodata").saturating_sub(section_size(&baseline, ".rodata"));
    println!(
        "clasp fixed API (SwAV 64x16 + GMM predict), {}: .text +{text} bytes, .rodata +{rodata} bytes",
        std::env::consts::ARCH
    );
    assert!(text > 0, "the footprint binary is not larger than the baseline: the work was optimised away");
    assert!(text <= LIMIT, ".text grew by {text} bytes, over the {LIMIT}-byte budget");
}
