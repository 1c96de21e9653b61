//! What a lesson run measured, in a form the studio draws, the CLI prints as JSON and the report
//! export writes as Markdown. Plain data: no egui, no candle.

use serde::{Deserialize, Serialize};

/// The outcome of one lesson run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LessonReport {
    pub lesson_id: String,
    pub title: String,
    /// The measured finding in one or two sentences, with numbers
    /// ("with x² and y², logistic regression reaches 0.99 instead of 0.51").
    pub finding: String,
    pub tables: Vec<ReportTable>,
    pub charts: Vec<ReportChart>,
    /// Named numbers the tests and the CLI check (e.g. "raw_accuracy" → 0.51).
    pub figures: Vec<Figure>,
    /// The lesson's question, asked before the run (empty when it asks none).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub question: String,
    /// Each answer and whether the run made it come true.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub answers: Vec<AnswerOutcome>,
}

/// One answer to a lesson's question, judged by the run's figures.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AnswerOutcome {
    pub text: String,
    pub rule: String,
    /// `None` when the run did not measure a figure the rule needs (e.g. a quick run).
    pub came_true: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub why_unknown: Option<String>,
}

impl LessonReport {
    /// The answers the run made come true.
    pub fn confirmed_answers(&self) -> Vec<&AnswerOutcome> {
        self.answers.iter().filter(|a| a.came_true == Some(true)).collect()
    }

    /// One sentence setting a prediction beside what happened.
    pub fn prediction_sentence(&self, picked: usize) -> Option<String> {
        let choice = self.answers.get(picked)?;
        let confirmed = self.confirmed_answers();
        Some(match (choice.came_true, confirmed.first()) {
            (Some(true), _) => format!("You predicted \"{}\", and the run agrees.", choice.text),
            (_, Some(what)) => {
                format!("You predicted \"{}\"; the run shows instead: \"{}\".", choice.text, what.text)
            }
            (None, None) => format!(
                "You predicted \"{}\"; this run could not settle it ({}).",
                choice.text,
                choice.why_unknown.as_deref().unwrap_or("a figure is missing")
            ),
            (Some(false), None) => format!(
                "You predicted \"{}\"; none of the answers came true in this run, so it did not settle the question.",
                choice.text
            ),
        })
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Figure {
    pub name: String,
    pub value: f64,
}

/// A table of results; cells are already formatted for reading.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ReportTable {
    pub title: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// A plot: lines or points, optional spread bands, optional heatmap behind them.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ReportChart {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    /// Draw the x axis on a log scale (training-set sizes).
    pub log_x: bool,
    pub series: Vec<ChartSeries>,
    pub heatmap: Option<Heatmap>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChartSeries {
    pub name: String,
    pub points: Vec<[f64; 2]>,
    /// Spread around each point as `[x, low, high]` (seed variance, fold spread).
    pub band: Vec<[f64; 3]>,
    pub style: SeriesStyle,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SeriesStyle {
    #[default]
    Line,
    Points,
    /// A line with a marker at every point (an optimizer's path).
    Path,
}

/// Values on a regular grid, e.g. a loss surface. `values[row * width + column]`, row 0 at
/// `y_range.0`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Heatmap {
    pub x_range: (f64, f64),
    pub y_range: (f64, f64),
    pub width: usize,
    pub height: usize,
    pub values: Vec<f64>,
}

impl LessonReport {
    pub fn figure(&self, name: &str) -> Option<f64> {
        self.figures.iter().find(|f| f.name == name).map(|f| f.value)
    }

    /// The report as Markdown: title, finding, tables; charts are referenced as `chart-N.png`
    /// files written beside it by the studio.
    pub fn to_markdown(&self, chart_files: &[String]) -> String {
        let mut out = format!("# {}\n\n{}\n", self.title, self.finding);
        for table in &self.tables {
            out.push_str(&format!("\n## {}\n\n| {} |\n|", table.title, table.columns.join(" | ")));
            out.push_str(&"---|".repeat(table.columns.len()));
            out.push('\n');
            for row in &table.rows {
                out.push_str(&format!("| {} |\n", row.join(" | ")));
            }
        }
        for (chart, file) in self.charts.iter().zip(chart_files) {
            out.push_str(&format!("\n## {}\n\n![{}]({})\n", chart.title, chart.title, file));
        }
        if !self.figures.is_empty() {
            out.push_str("\n## Figures\n\n");
            for figure in &self.figures {
                out.push_str(&format!("- {}: {:.4}\n", figure.name, figure.value));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_result_sentence_names_the_choice_and_what_happened() {
        let answer = |text: &str, came_true| AnswerOutcome {
            text: text.into(),
            rule: String::new(),
            came_true,
            why_unknown: None,
        };
        let mut report = LessonReport {
            answers: vec![answer("The forest", Some(false)), answer("The CNN", Some(true))],
            ..Default::default()
        };
        assert_eq!(
            report.prediction_sentence(0).unwrap(),
            "You predicted \"The forest\"; the run shows instead: \"The CNN\"."
        );
        assert_eq!(report.prediction_sentence(1).unwrap(), "You predicted \"The CNN\", and the run agrees.");
        assert_eq!(report.prediction_sentence(2), None);
        report.answers = vec![answer("The forest", None), answer("The CNN", None)];
        assert!(report.prediction_sentence(0).unwrap().contains("could not settle"));
    }

    #[test]
    fn markdown_holds_the_tables_and_the_charts() {
        let report = LessonReport {
            lesson_id: "feature-engineering".into(),
            title: "Feature engineering".into(),
            finding: "x² helps".into(),
            tables: vec![ReportTable {
                title: "Accuracy".into(),
                columns: vec!["model".into(), "accuracy".into()],
                rows: vec![vec!["logistic regression".into(), "0.51".into()]],
            }],
            charts: vec![ReportChart { title: "Curve".into(), ..Default::default() }],
            figures: vec![Figure { name: "raw".into(), value: 0.51 }],
            ..Default::default()
        };
        let md = report.to_markdown(&["chart-1.png".into()]);
        assert!(md.contains("| model | accuracy |\n|---|---|\n| logistic regression | 0.51 |"), "{md}");
        assert!(md.contains("![Curve](chart-1.png)"));
        assert_eq!(report.figure("raw"), Some(0.51));
    }
}
