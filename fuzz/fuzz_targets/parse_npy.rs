//! `.npy` parser: any byte string either parses into a consistent table or is rejected with
//! a message — never a panic, never a table whose shape disagrees with its data.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(t) = clasp_models::io::parse_npy(bytes) {
        assert_eq!(t.data.len(), t.rows * t.cols);
    }
});
