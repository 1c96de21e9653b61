//! Tick marks at round numbers (1, 2, 5 × 10ⁿ) for every plot axis. egui_plot's default spacer
//! steps by powers of ten only, so an axis 180 epochs or 8 units wide gets a single label ("0"):
//! one step is too dense to label and the next too wide to fit twice.

use egui_plot::{GridInput, GridMark, uniform_grid_spacer};

/// Label spacing egui_plot needs on an x axis, in grid steps of its finest spacing (its labels
/// fade out below 60 points and the finest grid is 8 points apart).
const LABEL_STEPS: f64 = 9.0;

/// The spacer to pass to `Plot::x_grid_spacer` / `y_grid_spacer`.
pub fn round_number_spacer() -> Box<dyn Fn(GridInput) -> Vec<GridMark>> {
    uniform_grid_spacer(|input: GridInput| round_steps(input.base_step_size))
}

/// A tick's label with as many decimals as its step needs: 0.5 steps read "1.5", not "2".
pub fn tick_label(mark: GridMark, _range: &std::ops::RangeInclusive<f64>) -> String {
    let decimals = if mark.step_size >= 1.0 { 0 } else { (-mark.step_size.log10().floor()) as usize };
    let text = format!("{:.*}", decimals.min(6), mark.value);
    // "-0" and "-0.0" read as zero.
    if text.trim_start_matches('-').chars().all(|c| c == '0' || c == '.') {
        text.trim_start_matches('-').to_string()
    } else {
        text
    }
}

/// Three nested steps, finest first: the coarsest is the smallest round number at least
/// `LABEL_STEPS` fine steps wide (so it is labelled), the others round numbers that divide it.
pub fn round_steps(base_step: f64) -> [f64; 3] {
    let base = if base_step.is_finite() && base_step > 0.0 { base_step } else { 1.0 };
    let coarse = round_at_least(base * LABEL_STEPS);
    let middle = round_below(coarse);
    [round_below(middle), middle, coarse]
}

/// The smallest of 1, 2, 5 × 10ⁿ at or above `value`.
fn round_at_least(value: f64) -> f64 {
    let power = 10f64.powf(value.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * power)
        .find(|&s| s >= value * (1.0 - 1e-9))
        .unwrap_or(10.0 * power)
}

/// The round number below a round number that divides it: 5 -> 1, 2 -> 1, 1 -> 0.5, so the
/// three steps nest (every coarse mark is also a finer one).
fn round_below(step: f64) -> f64 {
    let power = 10f64.powf(step.log10().floor());
    let mantissa = (step / power).round();
    if mantissa >= 2.0 { power } else { 0.5 * power }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_round_nested_and_wide_enough_to_label() {
        // 180 epochs over 350 points: the finest grid step is about 4 epochs.
        assert_eq!(round_steps(8.0 * 180.0 / 350.0), [5.0, 10.0, 50.0]);
        // The blobs' x axis, 20 units over 480 points.
        assert_eq!(round_steps(8.0 * 20.0 / 480.0), [0.5, 1.0, 5.0]);
        assert_eq!(round_steps(0.01), [0.01, 0.05, 0.1]);
        for base in [0.003, 0.7, 1.0, 4.1, 77.0, 12_345.0] {
            let [fine, middle, coarse] = round_steps(base);
            assert!(fine < middle && middle < coarse, "{base}");
            assert!(coarse >= base * LABEL_STEPS * 0.999, "{base}: {coarse} is too dense to label");
            assert!(coarse < base * LABEL_STEPS * 2.6, "{base}: {coarse} leaves too few labels");
            // Each coarser step is a whole number of the finer ones, so marks nest.
            for (small, big) in [(fine, middle), (middle, coarse)] {
                let ratio = big / small;
                assert!((ratio - ratio.round()).abs() < 1e-9, "{small} does not divide {big}");
            }
        }
        assert_eq!(round_steps(f64::NAN), round_steps(1.0));
        let label = |value, step_size| tick_label(GridMark { value, step_size }, &(0.0..=1.0));
        assert_eq!(
            (label(1.5, 0.5), label(50.0, 50.0), label(-0.0, 0.5), label(0.25, 0.05)),
            ("1.5".into(), "50".into(), "0.0".into(), "0.25".into())
        );
    }
}
