//! Fuzz target: `learnscope::fuzzing::csv` must return for any bytes, never panic or abort.
#![no_main]

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| {
    let _ = learnscope::fuzzing::csv(bytes);
});
