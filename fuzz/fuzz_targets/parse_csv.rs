//! CSV parser: any text either parses into a rectangular, non-empty table or is rejected.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(t) = clasp_models::io::parse_csv(text, clasp_models::io::Header::Auto) {
        assert!(t.rows >= 1);
        assert_eq!(t.data.len(), t.rows * t.cols);
    }
});
