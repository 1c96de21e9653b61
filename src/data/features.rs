//! Engineered inputs for 2-D data (x², y², xy, sin x, sin y, r, θ), as in TF Playground: with
//! x² + y² a straight line in the new space becomes a circle in the old one.

use super::{Dataset, InputShape};

/// One extra column computed from the two features of 2-D data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EngineeredFeature {
    X2,
    Y2,
    Xy,
    SinX,
    SinY,
    /// Distance from the origin.
    R,
    /// Angle from the positive x axis, in radians (−π, π].
    Theta,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum FeatureError {
    #[error(
        "unknown engineered feature '{0}'; choose from x2, y2, xy, sinx, siny, r, theta (comma-separated)"
    )]
    Unknown(String),
    #[error(
        "engineered features (x2, y2, xy, sinx, siny, r, theta) need data with exactly two features, x and y; '{name}' has {count} ({names}). Use a 2-D data set such as moons or circles, or leave the engineered features out"
    )]
    NotTwoD { name: String, count: usize, names: String },
    #[error(
        "engineered features need plain 2-D points, but '{0}' holds images or sequences; leave the engineered features out"
    )]
    NotVector(String),
}

impl EngineeredFeature {
    pub const ALL: [EngineeredFeature; 7] =
        [Self::X2, Self::Y2, Self::Xy, Self::SinX, Self::SinY, Self::R, Self::Theta];

    /// The name used by `--features`.
    pub fn name(self) -> &'static str {
        match self {
            Self::X2 => "x2",
            Self::Y2 => "y2",
            Self::Xy => "xy",
            Self::SinX => "sinx",
            Self::SinY => "siny",
            Self::R => "r",
            Self::Theta => "theta",
        }
    }

    /// How the studio shows the toggle.
    pub fn label(self) -> &'static str {
        match self {
            Self::X2 => "x²",
            Self::Y2 => "y²",
            Self::Xy => "x·y",
            Self::SinX => "sin x",
            Self::SinY => "sin y",
            Self::R => "r",
            Self::Theta => "θ",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        let wanted = name.trim().to_ascii_lowercase();
        Self::ALL.into_iter().find(|f| f.name() == wanted)
    }

    /// Parses `x2,y2,xy`; repeats are kept once, in first-seen order; empty text gives none.
    pub fn parse_list(text: &str) -> Result<Vec<Self>, FeatureError> {
        let mut chosen = Vec::new();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let feature = Self::from_name(part).ok_or_else(|| FeatureError::Unknown(part.to_string()))?;
            if !chosen.contains(&feature) {
                chosen.push(feature);
            }
        }
        Ok(chosen)
    }

    /// The value for the point (x, y).
    pub fn value(self, x: f64, y: f64) -> f64 {
        match self {
            Self::X2 => x * x,
            Self::Y2 => y * y,
            Self::Xy => x * y,
            Self::SinX => x.sin(),
            Self::SinY => y.sin(),
            Self::R => x.hypot(y),
            Self::Theta => y.atan2(x),
        }
    }

    /// The new column's name, built from the data's own two feature names.
    fn column_name(self, x: &str, y: &str) -> String {
        match self {
            Self::X2 => format!("{x}^2"),
            Self::Y2 => format!("{y}^2"),
            Self::Xy => format!("{x}*{y}"),
            Self::SinX => format!("sin({x})"),
            Self::SinY => format!("sin({y})"),
            Self::R => "r".to_string(),
            Self::Theta => "theta".to_string(),
        }
    }
}

/// Appends the chosen features as new columns after the two original ones. Refuses data that
/// does not have exactly two plain features. No features chosen gives the data back unchanged.
pub fn add_features(data: &Dataset, chosen: &[EngineeredFeature]) -> Result<Dataset, FeatureError> {
    if chosen.is_empty() {
        return Ok(data.clone());
    }
    if data.n_features() != 2 {
        return Err(FeatureError::NotTwoD {
            name: data.name.clone(),
            count: data.n_features(),
            names: data.feature_names.join(", "),
        });
    }
    if data.input_shape != InputShape::Vector {
        return Err(FeatureError::NotVector(data.name.clone()));
    }
    let (x_name, y_name) = (&data.feature_names[0], &data.feature_names[1]);
    let mut feature_names = data.feature_names.clone();
    feature_names.extend(chosen.iter().map(|f| f.column_name(x_name, y_name)));
    let width = feature_names.len();
    let mut features = Vec::with_capacity(data.rows() * width);
    for point in data.features.chunks_exact(2) {
        let (x, y) = (point[0], point[1]);
        features.extend_from_slice(point);
        features.extend(chosen.iter().map(|f| f.value(x, y)));
    }
    Ok(Dataset { feature_names, features, imputed: data.imputed_cells_widened(width), ..data.clone() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Target;

    fn two_points() -> Dataset {
        let target = Target::Classes { labels: vec![0, 1], class_names: vec!["a".into(), "b".into()] };
        Dataset::new("pts", vec!["x".into(), "y".into()], vec![3.0, 4.0, -1.0, 0.0], target, "c").unwrap()
    }

    #[test]
    fn every_feature_has_its_exact_value() {
        let data = add_features(&two_points(), &EngineeredFeature::ALL).unwrap();
        assert_eq!(data.feature_names, ["x", "y", "x^2", "y^2", "x*y", "sin(x)", "sin(y)", "r", "theta"]);
        assert_eq!(
            data.row(0),
            &[3.0, 4.0, 9.0, 16.0, 12.0, 3.0f64.sin(), 4.0f64.sin(), 5.0, 4.0f64.atan2(3.0)]
        );
        assert_eq!(
            data.row(1),
            &[-1.0, 0.0, 1.0, 0.0, -0.0, (-1.0f64).sin(), 0.0, 1.0, std::f64::consts::PI]
        );
        assert_eq!(data.labels(), two_points().labels());
    }

    #[test]
    fn only_the_chosen_features_are_added_in_order() {
        let data = add_features(&two_points(), &[EngineeredFeature::R, EngineeredFeature::X2]).unwrap();
        assert_eq!(data.feature_names, ["x", "y", "r", "x^2"]);
        assert_eq!(data.row(0), &[3.0, 4.0, 5.0, 9.0]);
        assert_eq!(add_features(&two_points(), &[]).unwrap(), two_points());
    }

    #[test]
    fn three_feature_data_is_refused_with_the_reason() {
        let target = Target::Values(vec![1.0]);
        let data =
            Dataset::new("t3", vec!["a".into(), "b".into(), "c".into()], vec![1.0, 2.0, 3.0], target, "v")
                .unwrap();
        let err = add_features(&data, &[EngineeredFeature::X2]).unwrap_err();
        assert_eq!(err, FeatureError::NotTwoD { name: "t3".into(), count: 3, names: "a, b, c".into() });
        assert!(err.to_string().contains("exactly two features"));
    }

    #[test]
    fn names_parse_and_unknown_names_are_refused() {
        let list = EngineeredFeature::parse_list(" x2, Y2 ,x2,theta").unwrap();
        assert_eq!(list, [EngineeredFeature::X2, EngineeredFeature::Y2, EngineeredFeature::Theta]);
        for f in EngineeredFeature::ALL {
            assert_eq!(EngineeredFeature::from_name(f.name()), Some(f));
        }
        assert_eq!(EngineeredFeature::parse_list("x3"), Err(FeatureError::Unknown("x3".into())));
        assert_eq!(EngineeredFeature::parse_list(""), Ok(vec![]));
    }
}
