//! Plain-language diagnostics of a network in training: dead ReLUs, vanishing and exploding
//! gradients. Each reads numbers the network already keeps (overfitting, which any model can
//! show, is watched in `training::history`).

use super::DeadRelus;

/// Shares of dead ReLUs from which a layer is flagged.
const DEAD_WARNING: f64 = 0.25;
const DEAD_PROBLEM: f64 = 0.5;
/// A later layer's gradients this many times larger than an earlier one's: vanishing.
const VANISHING_RATIO: f64 = 100.0;
/// Gradient norms above this are exploding (the loss is usually about to become NaN).
const EXPLODING_NORM: f64 = 1000.0;
/// Growth of a layer's gradient norm over training that signals an explosion in progress.
const EXPLODING_GROWTH: f64 = 100.0;
/// Gradient-norm rows averaged for "now" and for "at the start".
const RECENT_ROWS: usize = 50;
const START_ROWS: usize = 10;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    /// Worth knowing; training may still be fine.
    Warning,
    /// Training is going wrong; the sentence says what to try.
    Problem,
}

/// One sentence for the student, with how much it matters.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub text: String,
}

impl Diagnostic {
    pub fn new(severity: Severity, text: String) -> Self {
        Self { severity, text }
    }
}

/// Layers where many ReLUs output zero for every row: those units no longer learn.
pub fn dead_relus(dead: &[DeadRelus]) -> Vec<Diagnostic> {
    dead.iter()
        .filter(|d| d.share() >= DEAD_WARNING)
        .map(|d| {
            let severity = if d.share() >= DEAD_PROBLEM { Severity::Problem } else { Severity::Warning };
            Diagnostic::new(
                severity,
                format!(
                    "layer {}: {:.0}% of ReLUs never fire ({} of {} units output zero on every training \
                     row sampled, so they stop learning). Try a smaller learning rate or leaky_relu.",
                    d.index,
                    d.share() * 100.0,
                    d.dead,
                    d.units
                ),
            )
        })
        .collect()
}

/// Vanishing and exploding gradients from the per-step norm history (`rows[step][layer]`);
/// `layers` names the columns (1-based layer position and label).
pub fn gradients(layers: &[(usize, String)], rows: &[Vec<f32>]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if rows.is_empty() || layers.is_empty() {
        return out;
    }
    let recent = column_means(&rows[rows.len().saturating_sub(RECENT_ROWS)..], layers.len());
    let start = column_means(&rows[..rows.len().min(START_ROWS)], layers.len());
    // Vanishing: the earliest weighted layer learns far slower than the output layer.
    if layers.len() >= 2 {
        let (first, last) = (recent[0], recent[layers.len() - 1]);
        if last > 0.0 && (first == 0.0 || last / first >= VANISHING_RATIO) {
            let text = if first == 0.0 {
                format!(
                    "layer {} gets no gradient at all while layer {}'s is {}: vanishing gradients. \
                     Try relu instead of sigmoid or tanh, batch norm, or fewer layers.",
                    layers[0].0,
                    layers[layers.len() - 1].0,
                    short_number(last)
                )
            } else {
                format!(
                    "layer {}'s gradients are {}x smaller than layer {}'s: vanishing gradients. \
                     Try relu instead of sigmoid or tanh, batch norm, or fewer layers.",
                    layers[0].0,
                    short_number(last / first),
                    layers[layers.len() - 1].0
                )
            };
            out.push(Diagnostic::new(Severity::Problem, text));
        }
    }
    // Exploding: one message, for the layer with the largest recent norm.
    let worst = (0..layers.len()).max_by(|&a, &b| recent[a].total_cmp(&recent[b]));
    if let Some(i) = worst {
        let grown = start[i] > 0.0 && recent[i] / start[i] >= EXPLODING_GROWTH && recent[i] > 10.0;
        if !recent[i].is_finite() || recent[i] >= EXPLODING_NORM || grown {
            let how = if grown && recent[i] < EXPLODING_NORM {
                format!("grew {}x since training began", short_number(recent[i] / start[i]))
            } else {
                format!("is {}", short_number(recent[i]))
            };
            out.push(Diagnostic::new(
                Severity::Problem,
                format!(
                    "layer {}'s gradient norm {how}: exploding gradients. Try a smaller learning rate \
                     or batch norm.",
                    layers[i].0
                ),
            ));
        }
    }
    out
}

fn column_means(rows: &[Vec<f32>], columns: usize) -> Vec<f64> {
    let mut sums = vec![0.0; columns];
    for row in rows {
        for (sum, value) in sums.iter_mut().zip(row) {
            *sum += f64::from(*value);
        }
    }
    sums.into_iter().map(|s| s / rows.len().max(1) as f64).collect()
}

/// 1234 → "1200", 0.5 → "0.5", 3.4e6 → "3.4e6": two significant digits.
fn short_number(value: f64) -> String {
    if !value.is_finite() {
        return "infinite".into();
    }
    if value >= 1e5 {
        return format!("{value:.1e}");
    }
    if value >= 10.0 {
        let magnitude = 10f64.powi(value.log10().floor() as i32 - 1);
        return format!("{:.0}", (value / magnitude).round() * magnitude);
    }
    format!("{value:.2}").trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layers(n: usize) -> Vec<(usize, String)> {
        (0..n).map(|i| (2 * i + 1, format!("dense({i})"))).collect()
    }

    #[test]
    fn flags_a_layer_where_most_relus_are_dead() {
        let found = dead_relus(&[
            DeadRelus { index: 2, units: 10, dead: 6 },
            DeadRelus { index: 4, units: 10, dead: 1 },
            DeadRelus { index: 6, units: 8, dead: 2 },
        ]);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].severity, Severity::Problem);
        assert!(found[0].text.starts_with("layer 2: 60% of ReLUs never fire"), "{}", found[0].text);
        assert_eq!(found[1].severity, Severity::Warning);
        assert!(found[1].text.starts_with("layer 6: 25%"));
    }

    #[test]
    fn flags_vanishing_gradients_with_the_ratio() {
        let rows = vec![vec![0.001, 0.1, 1.0]; 60];
        let found = gradients(&layers(3), &rows);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].text.starts_with("layer 1's gradients are 1000x smaller than layer 5's: vanishing"),
            "{}",
            found[0].text
        );
        // Healthy norms of similar size say nothing.
        assert!(gradients(&layers(3), &vec![vec![0.3, 0.5, 0.9]; 60]).is_empty());
    }

    #[test]
    fn flags_exploding_gradients_by_size_and_by_growth() {
        let mut rows = vec![vec![1.0, 2.0]; 20];
        rows.extend(vec![vec![1500.0, 4000.0]; 60]);
        let found = gradients(&layers(2), &rows);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].text.contains("layer 3's gradient norm is 4000: exploding"), "{}", found[0].text);
        let mut growing = vec![vec![0.1, 0.1]; 20];
        growing.extend(vec![vec![30.0, 20.0]; 60]);
        let found = gradients(&layers(2), &growing);
        assert!(found[0].text.contains("layer 1's gradient norm grew 300x"), "{found:?}");
    }

    #[test]
    fn short_numbers_keep_two_digits() {
        assert_eq!(short_number(1000.0), "1000");
        assert_eq!(short_number(1234.0), "1200");
        assert_eq!(short_number(0.5), "0.5");
        assert_eq!(short_number(3.4e6), "3.4e6");
    }
}
