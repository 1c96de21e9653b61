//! Hyper-parameters declared once per model kind: the studio draws sliders and drop-downs from
//! these specs, the CLI parses `--param KEY=VALUE` against them, and the models read them back.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::models::kind::ModelKind;
use crate::models::learner::ModelError;

/// The range or the choices a hyper-parameter accepts.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ParamKind {
    /// A real number in `[min, max]`; `log` means a slider should move on a log scale.
    Float { min: f64, max: f64, log: bool },
    /// A whole number in `[min, max]`.
    Int { min: i64, max: i64 },
    /// One of a fixed list of names.
    Choice(&'static [&'static str]),
}

/// A value given for a hyper-parameter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ParamValue {
    Int(i64),
    Float(f64),
    Choice(String),
}

impl std::fmt::Display for ParamValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ParamValue::Int(v) => write!(f, "{v}"),
            ParamValue::Float(v) => write!(f, "{v}"),
            ParamValue::Choice(v) => write!(f, "{v}"),
        }
    }
}

/// One hyper-parameter of a model kind.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ParamSpec {
    /// The name used by `--param KEY=VALUE` and in saved settings.
    pub key: &'static str,
    /// A short label for the studio.
    pub label: &'static str,
    pub kind: ParamKind,
    /// scikit-learn's default wherever it applies.
    pub default: DefaultValue,
    /// A plain-language tooltip for a student.
    pub help: &'static str,
}

/// A default that can live in a `static` table.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum DefaultValue {
    Int(i64),
    Float(f64),
    Choice(&'static str),
}

impl DefaultValue {
    pub fn value(self) -> ParamValue {
        match self {
            DefaultValue::Int(v) => ParamValue::Int(v),
            DefaultValue::Float(v) => ParamValue::Float(v),
            DefaultValue::Choice(v) => ParamValue::Choice(v.to_string()),
        }
    }
}

impl ParamSpec {
    /// Describes what the parameter accepts, for error messages.
    pub fn allowed(&self) -> String {
        match self.kind {
            ParamKind::Float { min, max, .. } => format!("a number from {min} to {max}"),
            ParamKind::Int { min, max } => format!("a whole number from {min} to {max}"),
            ParamKind::Choice(choices) => format!("one of {}", choices.join(", ")),
        }
    }

    /// Parses command-line text into a checked value.
    pub fn parse(&self, text: &str) -> Result<ParamValue, ModelError> {
        let text = text.trim();
        let value = match self.kind {
            ParamKind::Float { .. } => text.parse::<f64>().ok().map(ParamValue::Float),
            ParamKind::Int { .. } => text.parse::<i64>().ok().map(ParamValue::Int),
            ParamKind::Choice(_) => Some(ParamValue::Choice(text.to_ascii_lowercase())),
        };
        let value = value.ok_or_else(|| self.bad_value(text))?;
        self.check(&value)
    }

    /// Checks a value against the range or choices; an integer is accepted for a real parameter.
    pub fn check(&self, value: &ParamValue) -> Result<ParamValue, ModelError> {
        match (self.kind, value) {
            (ParamKind::Float { min, max, .. }, ParamValue::Float(v)) if *v >= min && *v <= max => {
                Ok(ParamValue::Float(*v))
            }
            (ParamKind::Float { min, max, .. }, ParamValue::Int(v))
                if (*v as f64) >= min && (*v as f64) <= max =>
            {
                Ok(ParamValue::Float(*v as f64))
            }
            (ParamKind::Int { min, max }, ParamValue::Int(v)) if *v >= min && *v <= max => {
                Ok(ParamValue::Int(*v))
            }
            (ParamKind::Int { min, max }, ParamValue::Float(v))
                if v.fract() == 0.0 && *v >= min as f64 && *v <= max as f64 =>
            {
                Ok(ParamValue::Int(*v as i64))
            }
            (ParamKind::Choice(choices), ParamValue::Choice(c)) if choices.contains(&c.as_str()) => {
                Ok(ParamValue::Choice(c.clone()))
            }
            _ => Err(self.bad_value(&value.to_string())),
        }
    }

    fn bad_value(&self, text: &str) -> ModelError {
        ModelError::Unsuitable(format!(
            "hyper-parameter '{}' cannot be '{text}': it takes {} (default {})",
            self.key,
            self.allowed(),
            self.default.value()
        ))
    }
}

impl ModelKind {
    /// The hyper-parameters this kind declares (sliders and drop-downs in the studio).
    pub fn params(self) -> &'static [ParamSpec] {
        specs(self)
    }
}

/// The hyper-parameters a model kind declares (empty for networks, which have their own flags).
pub fn specs(kind: ModelKind) -> &'static [ParamSpec] {
    match kind {
        ModelKind::LinearRegression | ModelKind::Mlp => &[],
        ModelKind::Ridge => RIDGE,
        ModelKind::Lasso => LASSO,
        ModelKind::LogisticRegression => LOGISTIC,
        ModelKind::DecisionTree => TREE,
        ModelKind::RandomForest => FOREST,
        ModelKind::Svm => SVM,
        ModelKind::Knn => KNN,
        ModelKind::NaiveBayes => NAIVE_BAYES,
        ModelKind::KMeans => KMEANS,
        ModelKind::Dbscan => DBSCAN,
    }
}

/// Checks every given value against `kind`'s specs: an unknown key or a value out of range is
/// an error naming the key and what it accepts.
pub fn validate(kind: ModelKind, params: &BTreeMap<String, ParamValue>) -> Result<Params, ModelError> {
    let specs = specs(kind);
    let mut values = BTreeMap::new();
    for (key, value) in params {
        let spec = specs.iter().find(|s| s.key == key).ok_or_else(|| unknown_key(kind, key))?;
        values.insert(spec.key, spec.check(value)?);
    }
    for spec in specs {
        values.entry(spec.key).or_insert_with(|| spec.default.value());
    }
    Ok(Params { values })
}

/// Parses one `KEY=VALUE` text for `kind`.
pub fn parse_assignment(kind: ModelKind, text: &str) -> Result<(String, ParamValue), ModelError> {
    let (key, value) = text.split_once('=').ok_or_else(|| {
        ModelError::Unsuitable(format!("'--param {text}' needs the form KEY=VALUE, e.g. --param max_depth=3"))
    })?;
    let key = key.trim();
    let spec = specs(kind).iter().find(|s| s.key == key).ok_or_else(|| unknown_key(kind, key))?;
    Ok((spec.key.to_string(), spec.parse(value)?))
}

fn unknown_key(kind: ModelKind, key: &str) -> ModelError {
    let keys: Vec<&str> = specs(kind).iter().map(|s| s.key).collect();
    ModelError::Unsuitable(if keys.is_empty() {
        format!("{} has no hyper-parameter '{key}' (it takes none)", kind.name())
    } else {
        format!("{} has no hyper-parameter '{key}': it takes {}", kind.name(), keys.join(", "))
    })
}

/// Checked values with every default filled in, read back by the models.
#[derive(Clone, Debug, PartialEq)]
pub struct Params {
    values: BTreeMap<&'static str, ParamValue>,
}

impl Params {
    pub fn float(&self, key: &str) -> f64 {
        match self.values.get(key) {
            Some(ParamValue::Float(v)) => *v,
            Some(ParamValue::Int(v)) => *v as f64,
            _ => f64::NAN,
        }
    }

    pub fn int(&self, key: &str) -> i64 {
        match self.values.get(key) {
            Some(ParamValue::Int(v)) => *v,
            Some(ParamValue::Float(v)) => *v as i64,
            _ => 0,
        }
    }

    pub fn choice(&self, key: &str) -> &str {
        match self.values.get(key) {
            Some(ParamValue::Choice(v)) => v,
            _ => "",
        }
    }
}

const MAX_DEPTH_HELP: &str = "How many questions deep the tree may grow. 0 means no limit: the tree keeps splitting until every leaf is pure, which can memorise noise.";
const MIN_LEAF_HELP: &str =
    "The fewest training rows a leaf may hold. Larger values make smoother, less over-fitted boundaries.";

static RIDGE: &[ParamSpec] = &[ParamSpec {
    key: "alpha",
    label: "Penalty (alpha)",
    kind: ParamKind::Float { min: 0.0, max: 1e4, log: false },
    default: DefaultValue::Float(1.0),
    help: "How strongly large coefficients are punished (L2). 0 is plain least squares; larger values pull every coefficient towards zero.",
}];

static LASSO: &[ParamSpec] = &[ParamSpec {
    key: "alpha",
    label: "Penalty (alpha)",
    kind: ParamKind::Float { min: 1e-5, max: 1e3, log: true },
    default: DefaultValue::Float(1.0),
    help: "How strongly coefficients are punished (L1). Larger values set more coefficients exactly to zero, keeping only the most useful features.",
}];

static LOGISTIC: &[ParamSpec] = &[ParamSpec {
    key: "c",
    label: "Inverse penalty (C)",
    kind: ParamKind::Float { min: 1e-4, max: 1e4, log: true },
    default: DefaultValue::Float(1.0),
    help: "Like scikit-learn's C: small values keep the weights small (a softer, simpler boundary), large values let the model fit the training rows more closely.",
}];

static TREE: &[ParamSpec] = &[
    ParamSpec {
        key: "max_depth",
        label: "Max depth",
        kind: ParamKind::Int { min: 0, max: 64 },
        default: DefaultValue::Int(0),
        help: MAX_DEPTH_HELP,
    },
    ParamSpec {
        key: "min_samples_split",
        label: "Min rows to split",
        kind: ParamKind::Int { min: 2, max: 1000 },
        default: DefaultValue::Int(2),
        help: "A node with fewer training rows than this is not split further.",
    },
    ParamSpec {
        key: "min_samples_leaf",
        label: "Min rows per leaf",
        kind: ParamKind::Int { min: 1, max: 1000 },
        default: DefaultValue::Int(1),
        help: MIN_LEAF_HELP,
    },
    ParamSpec {
        key: "criterion",
        label: "Split quality",
        kind: ParamKind::Choice(&["gini", "entropy"]),
        default: DefaultValue::Choice("gini"),
        help: "How the tree measures how mixed a node's classes are (classification only; regression trees always use the squared error).",
    },
];

static FOREST: &[ParamSpec] = &[
    ParamSpec {
        key: "n_estimators",
        label: "Trees",
        kind: ParamKind::Int { min: 1, max: 1000 },
        default: DefaultValue::Int(100),
        help: "How many trees vote. More trees give a steadier answer but take longer to train.",
    },
    ParamSpec {
        key: "max_depth",
        label: "Max depth",
        kind: ParamKind::Int { min: 0, max: 64 },
        default: DefaultValue::Int(0),
        help: MAX_DEPTH_HELP,
    },
    ParamSpec {
        key: "min_samples_leaf",
        label: "Min rows per leaf",
        kind: ParamKind::Int { min: 1, max: 1000 },
        default: DefaultValue::Int(1),
        help: MIN_LEAF_HELP,
    },
    ParamSpec {
        key: "max_features",
        label: "Features per split",
        kind: ParamKind::Choice(&["auto", "sqrt", "log2", "all"]),
        default: DefaultValue::Choice("auto"),
        help: "How many randomly chosen features each split may look at. Fewer makes the trees differ more. 'auto' is scikit-learn's default: sqrt for classes, all for values.",
    },
];

static SVM: &[ParamSpec] = &[
    ParamSpec {
        key: "c",
        label: "C",
        kind: ParamKind::Float { min: 1e-3, max: 1e4, log: true },
        default: DefaultValue::Float(1.0),
        help: "How much a misclassified training row costs. Small C: a wide, tolerant margin. Large C: the boundary bends to get every training row right.",
    },
    ParamSpec {
        key: "kernel",
        label: "Kernel",
        kind: ParamKind::Choice(&["rbf", "linear", "poly"]),
        default: DefaultValue::Choice("rbf"),
        help: "How similarity between rows is measured: 'linear' draws a straight boundary, 'poly' a curved one, 'rbf' can wrap around clusters.",
    },
    ParamSpec {
        key: "gamma",
        label: "Gamma",
        kind: ParamKind::Float { min: 0.0, max: 1000.0, log: false },
        default: DefaultValue::Float(0.0),
        help: "How far one training row's influence reaches (rbf and poly). 0 means 'scale', scikit-learn's default: 1 / (features × variance of the data). Large values make wiggly boundaries.",
    },
    ParamSpec {
        key: "degree",
        label: "Degree",
        kind: ParamKind::Int { min: 1, max: 10 },
        default: DefaultValue::Int(3),
        help: "The power of the polynomial kernel (poly only).",
    },
    ParamSpec {
        key: "coef0",
        label: "coef0",
        kind: ParamKind::Float { min: -10.0, max: 10.0, log: false },
        default: DefaultValue::Float(0.0),
        help: "The constant added inside the polynomial kernel (poly only).",
    },
    ParamSpec {
        key: "epsilon",
        label: "Epsilon",
        kind: ParamKind::Float { min: 0.0, max: 100.0, log: false },
        default: DefaultValue::Float(0.1),
        help: "Regression only: errors smaller than this cost nothing (the width of the tube around the prediction).",
    },
];

static KNN: &[ParamSpec] = &[
    ParamSpec {
        key: "n_neighbors",
        label: "Neighbours (k)",
        kind: ParamKind::Int { min: 1, max: 200 },
        default: DefaultValue::Int(5),
        help: "How many nearest training rows vote. k = 1 copies the closest row (jagged boundary); larger k smooths it.",
    },
    ParamSpec {
        key: "weights",
        label: "Weights",
        kind: ParamKind::Choice(&["uniform", "distance"]),
        default: DefaultValue::Choice("uniform"),
        help: "'uniform': every neighbour has one vote. 'distance': closer neighbours count more.",
    },
];

static NAIVE_BAYES: &[ParamSpec] = &[ParamSpec {
    key: "var_smoothing",
    label: "Variance smoothing",
    kind: ParamKind::Float { min: 1e-12, max: 1.0, log: true },
    default: DefaultValue::Float(1e-9),
    help: "A small share of the largest feature variance added to every variance, so a feature that barely varies cannot dominate.",
}];

static KMEANS: &[ParamSpec] = &[
    ParamSpec {
        key: "n_clusters",
        label: "Clusters (k)",
        kind: ParamKind::Int { min: 1, max: 50 },
        default: DefaultValue::Int(8),
        help: "How many groups to find. k-means always finds exactly this many, whether or not the data has them.",
    },
    ParamSpec {
        key: "max_iter",
        label: "Max iterations",
        kind: ParamKind::Int { min: 1, max: 1000 },
        default: DefaultValue::Int(300),
        help: "The most rounds of 'assign each row to its nearest centre, move each centre to its rows' mean'.",
    },
    ParamSpec {
        key: "n_init",
        label: "Restarts",
        kind: ParamKind::Int { min: 1, max: 50 },
        default: DefaultValue::Int(1),
        help: "How many times to start from new random centres; the run with the tightest clusters is kept.",
    },
];

static DBSCAN: &[ParamSpec] = &[
    ParamSpec {
        key: "eps",
        label: "Radius (eps)",
        kind: ParamKind::Float { min: 1e-3, max: 100.0, log: true },
        default: DefaultValue::Float(0.5),
        help: "How close two rows must be to count as neighbours (in standardized units unless --no-scale).",
    },
    ParamSpec {
        key: "min_samples",
        label: "Min neighbours",
        kind: ParamKind::Int { min: 1, max: 1000 },
        default: DefaultValue::Int(5),
        help: "How many rows (itself included) must lie within the radius for a row to be a cluster's core. Rows reached by no core are noise.",
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_fill_in_and_values_are_checked() {
        let params = validate(ModelKind::Svm, &BTreeMap::new()).unwrap();
        assert_eq!(params.float("c"), 1.0);
        assert_eq!(params.choice("kernel"), "rbf");
        let mut given = BTreeMap::new();
        given.insert("c".to_string(), ParamValue::Float(-1.0));
        let err = validate(ModelKind::Svm, &given).unwrap_err().to_string();
        assert!(err.contains("'c'") && err.contains("from 0.001"), "{err}");
    }

    #[test]
    fn unknown_keys_and_bad_text_name_what_is_allowed() {
        let err = parse_assignment(ModelKind::Knn, "k=3").unwrap_err().to_string();
        assert!(err.contains("n_neighbors"), "{err}");
        let err = parse_assignment(ModelKind::Knn, "weights=far").unwrap_err().to_string();
        assert!(err.contains("uniform, distance"), "{err}");
        let err = parse_assignment(ModelKind::DecisionTree, "max_depth=2.5").unwrap_err().to_string();
        assert!(err.contains("whole number"), "{err}");
        assert_eq!(
            parse_assignment(ModelKind::DecisionTree, "max_depth=3").unwrap(),
            ("max_depth".to_string(), ParamValue::Int(3))
        );
        assert!(parse_assignment(ModelKind::Knn, "novalue").is_err());
    }

    #[test]
    fn every_default_passes_its_own_check() {
        for kind in ModelKind::ALL {
            for spec in specs(kind) {
                assert!(spec.check(&spec.default.value()).is_ok(), "{} {}", kind.name(), spec.key);
                assert!(!spec.help.is_empty());
            }
        }
    }
}
