//! The fuzz corpus (`fuzz/corpus/`) replayed through the fuzz targets' entry points, then a few
//! seconds of seeded mutations of it per target: the CI-sized smoke run of the fuzzers, without
//! the nightly toolchain. Any input must come back as `Ok` or a message, never a panic.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

type Entry = fn(&[u8]) -> Result<(), String>;

/// Seconds of mutations per target; the replay of the corpus comes first and always runs whole.
const MUTATION_BUDGET: Duration = Duration::from_secs(6);

/// Pieces a mutation may drop in: the numbers and marks that broke parsers before.
const TOKENS: &[&str] = &[
    "0",
    "-1",
    "1e308",
    "4294967296",
    "18446744073709551616",
    "NaN",
    "inf",
    "\"",
    ",",
    "\n",
    ";",
    "(",
    ")",
    "dense(0)",
    "conv2d(1,0)",
    "maxpool(0)",
    "lstm(0)",
    "null",
    "[]",
    "{}",
    "-0.0",
    "1e-320",
    "\u{feff}",
    "\"samples\": 1000000000000",
    "\"labels\": [9]",
    "\"imputed\": [99]",
];

fn corpus(target: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus").join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    files.iter().map(|path| std::fs::read(path).unwrap()).collect()
}

/// Runs one input; a panic fails the test with the input that caused it.
fn must_return(target: &str, entry: Entry, input: &[u8]) -> bool {
    match catch_unwind(AssertUnwindSafe(|| entry(input))) {
        Ok(outcome) => outcome.is_ok(),
        Err(_) => panic!(
            "the {target} entry point panicked on {:?}",
            String::from_utf8_lossy(&input[..input.len().min(2000)])
        ),
    }
}

fn mutate(rng: &mut StdRng, input: &[u8], other: &[u8]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..rng.random_range(1..=4) {
        let at = if out.is_empty() { 0 } else { rng.random_range(0..=out.len()) };
        match rng.random_range(0..5) {
            0 if !out.is_empty() => {
                let i = rng.random_range(0..out.len());
                out[i] ^= 1 << rng.random_range(0..8);
            }
            1 => {
                let token = TOKENS[rng.random_range(0..TOKENS.len())];
                out.splice(at..at, token.bytes());
            }
            2 if !out.is_empty() => {
                let end = (at + rng.random_range(1..16)).min(out.len());
                out.drain(at.min(end)..end);
            }
            3 if !other.is_empty() => {
                let from = rng.random_range(0..other.len());
                let end = (from + rng.random_range(1..64)).min(other.len());
                out.splice(at..at, other[from..end].iter().copied());
            }
            _ => {
                // A number in the text grown or zeroed, as a teacher's typo would.
                if let Some(i) = out.iter().skip(at).position(u8::is_ascii_digit) {
                    let digit = [b'0', b'9'][rng.random_range(0..2)];
                    out.splice(at + i..at + i + 1, std::iter::repeat_n(digit, rng.random_range(1..12)));
                }
            }
        }
    }
    out
}

fn smoke(target: &str, entry: Entry) {
    let seeds = corpus(target);
    assert!(!seeds.is_empty(), "fuzz/corpus/{target} is empty");
    let accepted = seeds.iter().filter(|seed| must_return(target, entry, seed)).count();
    assert!(accepted > 0, "no seed of fuzz/corpus/{target} is accepted: the replay would test only refusals");
    let mut rng = StdRng::seed_from_u64(7);
    let started = Instant::now();
    let mut runs = 0;
    while started.elapsed() < MUTATION_BUDGET {
        let seed = &seeds[rng.random_range(0..seeds.len())];
        let other = &seeds[rng.random_range(0..seeds.len())];
        must_return(target, entry, &mutate(&mut rng, seed, other));
        runs += 1;
    }
    eprintln!("{target}: {} seeds ({accepted} accepted), {runs} mutations", seeds.len());
}

#[test]
fn csv_loader_returns_on_any_bytes() {
    smoke("csv", learnscope::fuzzing::csv);
}

#[test]
fn network_text_returns_on_any_bytes() {
    smoke("network_text", learnscope::fuzzing::network_text);
}

#[test]
fn experiment_files_return_on_any_bytes() {
    smoke("experiment", learnscope::fuzzing::experiment);
}

#[test]
fn lesson_files_return_on_any_bytes() {
    smoke("lesson", learnscope::fuzzing::lesson);
}
