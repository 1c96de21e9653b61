//! Real data sets shipped in `sample_data/` (sources and licenses in its README).
//!
//! The CSV files are embedded in the binary so that `--dataset iris` works from any folder, and
//! they go through the same loader as a student's own file.

use std::sync::OnceLock;

use super::csv_loader::{CsvError, CsvOptions, TaskOverride, load_csv_bytes};
use super::{Dataset, InputShape, Target, Task};

/// A fixed table shipped with Learnscope.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SampleSet {
    Iris,
    Digits,
    Diabetes,
    Wine,
}

impl SampleSet {
    pub const ALL: [SampleSet; 4] = [Self::Iris, Self::Digits, Self::Diabetes, Self::Wine];

    pub fn name(self) -> &'static str {
        match self {
            Self::Iris => "iris",
            Self::Digits => "digits",
            Self::Diabetes => "diabetes",
            Self::Wine => "wine",
        }
    }

    /// The file in `sample_data/`.
    pub fn file_name(self) -> &'static str {
        match self {
            Self::Iris => "iris.csv",
            Self::Digits => "digits.csv",
            Self::Diabetes => "diabetes.csv",
            Self::Wine => "wine.csv",
        }
    }

    fn csv_text(self) -> &'static str {
        match self {
            Self::Iris => include_str!("../../sample_data/iris.csv"),
            Self::Digits => include_str!("../../sample_data/digits.csv"),
            Self::Diabetes => include_str!("../../sample_data/diabetes.csv"),
            Self::Wine => include_str!("../../sample_data/wine.csv"),
        }
    }

    pub fn task(self) -> Task {
        match self {
            Self::Diabetes => Task::Regression,
            Self::Iris | Self::Digits | Self::Wine => Task::Classification,
        }
    }

    pub fn input_shape(self) -> InputShape {
        match self {
            Self::Digits => InputShape::Image { channels: 1, height: 8, width: 8 },
            Self::Iris | Self::Diabetes | Self::Wine => InputShape::Vector,
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Self::Iris => "Fisher's iris flowers: 4 measurements (cm), 3 species",
            Self::Digits => "8x8 images of handwritten digits (pixels 0..16), 10 classes",
            Self::Diabetes => "regression: disease progression after one year from 10 baseline values",
            Self::Wine => "chemical analysis of Italian wines: 13 measurements, 3 cultivars",
        }
    }

    /// Where the data comes from, in one line (full citations in sample_data/README.md).
    pub fn source(self) -> &'static str {
        match self {
            Self::Iris => "Fisher (1936), UCI Machine Learning Repository, CC BY 4.0",
            Self::Digits => {
                "Alpaydin & Kaynak (1998), UCI Optical Recognition of Handwritten Digits, CC BY 4.0"
            }
            Self::Diabetes => "Efron, Hastie, Johnstone & Tibshirani (2004), via scikit-learn, BSD-3-Clause",
            Self::Wine => "Forina et al. (1988), UCI Machine Learning Repository, CC BY 4.0",
        }
    }

    /// Parses the embedded CSV with the loader a student's file goes through.
    pub fn load(self) -> Result<Dataset, CsvError> {
        let task = match self.task() {
            Task::Classification => TaskOverride::Classification,
            Task::Regression => TaskOverride::Regression,
        };
        let options = CsvOptions { task: Some(task), ..Default::default() };
        let loaded = load_csv_bytes(self.file_name(), self.csv_text().as_bytes(), &options)?;
        let mut dataset = loaded
            .dataset
            .with_input_shape(self.input_shape())
            .map_err(|e| CsvError::Invalid { file: self.file_name().to_string(), message: e.to_string() })?;
        dataset.name = self.name().to_string();
        Ok(dataset)
    }

    /// The parsed table, parsed once per run (the studio may ask for it often).
    pub fn dataset(self) -> Result<Dataset, String> {
        static CACHE: [OnceLock<Result<Dataset, String>>; 4] =
            [OnceLock::new(), OnceLock::new(), OnceLock::new(), OnceLock::new()];
        let index = Self::ALL.iter().position(|&s| s == self).unwrap_or(0);
        CACHE[index].get_or_init(|| self.load().map_err(|e| e.to_string())).clone()
    }
}

/// Writes a data set as CSV (features, then the target; class names for classes). Values use
/// Rust's shortest round-trip form, so loading the text gives back the same numbers.
pub fn to_csv(data: &Dataset) -> String {
    let quote = |s: &str| {
        if s.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    };
    let mut text = String::new();
    let header: Vec<String> =
        data.feature_names.iter().chain(std::iter::once(&data.target_name)).map(|n| quote(n)).collect();
    text.push_str(&header.join(","));
    text.push('\n');
    for i in 0..data.rows() {
        let mut cells: Vec<String> = data.row(i).iter().map(|v| v.to_string()).collect();
        cells.push(match &data.target {
            Target::Classes { labels, class_names } => quote(&class_names[labels[i] as usize]),
            Target::Values(values) => values[i].to_string(),
        });
        text.push_str(&cells.join(","));
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iris_is_150_by_4_with_three_balanced_species() {
        let iris = SampleSet::Iris.load().unwrap();
        assert_eq!((iris.rows(), iris.n_features()), (150, 4));
        assert_eq!(iris.class_names(), &["setosa", "versicolor", "virginica"]);
        assert_eq!(iris.class_counts(), vec![50, 50, 50]);
        assert_eq!(iris.row(0), &[5.1, 3.5, 1.4, 0.2]);
        assert_eq!(iris.name, "iris");
    }

    #[test]
    fn digits_are_1797_images_of_8_by_8_with_ten_classes() {
        let digits = SampleSet::Digits.load().unwrap();
        assert_eq!((digits.rows(), digits.n_features()), (1797, 64));
        assert_eq!(digits.input_shape, InputShape::Image { channels: 1, height: 8, width: 8 });
        assert_eq!(digits.class_count(), 10);
        assert_eq!(digits.class_names()[9], "9");
        assert!(digits.features.iter().all(|&v| (0.0..=16.0).contains(&v) && v.fract() == 0.0));
        assert_eq!(digits.feature_names[63], "p63");
    }

    #[test]
    fn diabetes_is_a_442_row_regression() {
        let diabetes = SampleSet::Diabetes.load().unwrap();
        assert_eq!(diabetes.task(), Task::Regression);
        assert_eq!((diabetes.rows(), diabetes.n_features()), (442, 10));
        assert_eq!(diabetes.target_name, "progression");
        assert_eq!(diabetes.target_value(0), 151.0);
    }

    #[test]
    fn wine_is_178_rows_of_13_with_three_cultivars() {
        let wine = SampleSet::Wine.load().unwrap();
        assert_eq!((wine.rows(), wine.n_features()), (178, 13));
        assert_eq!(wine.class_counts(), vec![59, 71, 48]);
    }

    #[test]
    fn shipped_tables_have_the_rows_and_features_the_readme_documents() {
        // The embedded copies are the files themselves (include_str!); what can go wrong is a
        // file that no longer matches its documented source, so check against sample_data/README.md.
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data");
        let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
        for set in SampleSet::ALL {
            let row = readme
                .lines()
                .find(|l| l.starts_with(&format!("| `{}` |", set.file_name())))
                .unwrap_or_else(|| panic!("{} is not in sample_data/README.md", set.file_name()));
            let cells: Vec<&str> = row.split('|').map(str::trim).collect();
            let rows: usize = cells[2].parse().unwrap();
            let features: usize = cells[3].split_whitespace().next().unwrap().parse().unwrap();
            let data = set.load().unwrap();
            assert_eq!((data.rows(), data.n_features()), (rows, features), "{}", set.name());
            assert_eq!(set.dataset().unwrap(), data, "{}: the studio's copy reads as the file", set.name());
        }
    }

    #[test]
    fn to_csv_round_trips_through_the_loader() {
        let wine = SampleSet::Wine.load().unwrap();
        let text = to_csv(&wine);
        let back = load_csv_bytes("wine.csv", text.as_bytes(), &CsvOptions::default()).unwrap().dataset;
        assert_eq!(back.features, wine.features);
        assert_eq!(back.target, wine.target);
        assert_eq!(back.feature_names, wine.feature_names);
    }
}
