//! Share links: a whole set-up in a URL's fragment, so a teacher can send a class the data, the
//! model and only the controls that matter (TensorFlow Playground's links do this).
//!
//! The fragment is `#learnscope=1.` followed by the set-up as JSON in URL-safe base64. Opening a
//! link checks everything in it against sane bounds; a malformed or hostile link gets a message
//! naming the field, and the studio stays as it was.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use super::state::StudioSettings;

/// The fragment's key and the format's version.
const PREFIX: &str = "learnscope=1.";
/// Links longer than this are refused before decoding (browsers keep about 2 MB; chat tools less).
pub const MAX_LINK_CHARS: usize = 64 * 1024;
/// Painted points travel in the link up to this many.
pub const MAX_POINTS: usize = 400;

/// The controls a link can hide, by the name a link uses.
pub const HIDEABLE: [&str; 12] = [
    "data",
    "samples",
    "noise",
    "test_share",
    "features",
    "paint",
    "model",
    "params",
    "layers",
    "learning_rate",
    "advanced",
    "regenerate",
];

/// Everything a link carries.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SharedSetup {
    pub settings: StudioSettings,
    /// Painted 2-D class data, as (x, y, class), when the data was painted and is small.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub points: Option<Vec<(f64, f64, u32)>>,
    /// The lesson open when the link was made, by id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lesson: Option<String>,
    /// Controls to hide (names from `HIDEABLE`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hide: Vec<String>,
}

impl SharedSetup {
    /// The link: `base` (the page's address; the desktop uses the project's web address) plus
    /// the fragment.
    pub fn to_link(&self, base: &str) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        format!("{}#{PREFIX}{}", base.split('#').next().unwrap_or(base), URL_SAFE_NO_PAD.encode(json))
    }

    /// Reads and checks a link (or just its fragment).
    pub fn from_link(link: &str) -> Result<Self, String> {
        if link.len() > MAX_LINK_CHARS {
            return Err(format!(
                "the link is {} characters long; at most {MAX_LINK_CHARS} are read",
                link.len()
            ));
        }
        let fragment = link.split_once('#').map_or(link, |(_, f)| f);
        let encoded = fragment
            .strip_prefix(PREFIX)
            .ok_or("the link holds no Learnscope set-up (its address should end in #learnscope=1.…)")?;
        let json = URL_SAFE_NO_PAD.decode(encoded.trim()).map_err(|_| {
            "the link's set-up is damaged (it may have been cut short when copied)".to_string()
        })?;
        let setup: SharedSetup =
            serde_json::from_slice(&json).map_err(|e| format!("the link's set-up cannot be read: {e}"))?;
        setup.check()?;
        Ok(setup)
    }

    /// Every count, size and rate within the bounds the studio offers.
    pub fn check(&self) -> Result<(), String> {
        self.settings.check()?;
        if let Some(points) = &self.points {
            if points.len() > MAX_POINTS {
                return Err(format!(
                    "points: {} painted points; a link carries at most {MAX_POINTS}",
                    points.len()
                ));
            }
            if points.len() < 2 {
                return Err("points: a painted data set needs at least 2 points".into());
            }
            if let Some(i) = points.iter().position(|(x, y, c)| !x.is_finite() || !y.is_finite() || *c > 9) {
                return Err(format!("points: point {} is not a finite (x, y) of class 0 to 9", i + 1));
            }
        }
        if let Some(lesson) = &self.lesson
            && (lesson.len() > 64
                || !lesson.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        {
            return Err("lesson: not a lesson id (letters, digits, - and _)".into());
        }
        if let Some(unknown) = self.hide.iter().find(|h| !HIDEABLE.contains(&h.as_str())) {
            return Err(format!(
                "hide: '{unknown}' is not a control a link can hide ({})",
                HIDEABLE.join(", ")
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::BuiltinDataset;
    use crate::models::ModelKind;
    use crate::models::network::NetworkSpec;

    fn setup() -> SharedSetup {
        let mut settings = StudioSettings::default();
        settings.dataset = BuiltinDataset::Circles;
        settings.generator.noise = 0.15;
        settings.model.network = Some(NetworkSpec::parse("dense(6) relu dense(3) relu").unwrap());
        SharedSetup {
            settings,
            points: Some(vec![(0.0, 1.0, 0), (1.0, 0.5, 1)]),
            lesson: Some("data-dependency".into()),
            hide: vec!["noise".into(), "advanced".into()],
        }
    }

    #[test]
    fn a_set_up_survives_the_round_trip_through_a_link() {
        let link = setup().to_link("http://localhost:8000/index.html#old");
        assert!(link.starts_with("http://localhost:8000/index.html#learnscope=1."), "{link}");
        assert_eq!(SharedSetup::from_link(&link), Ok(setup()));
        // The fragment alone is enough, as `learnscope open` may be given it.
        let fragment = link.split_once('#').unwrap().1;
        assert_eq!(SharedSetup::from_link(fragment), Ok(setup()));
    }

    #[test]
    fn malformed_and_hostile_links_get_a_message_naming_the_field() {
        let encode = |json: &str| format!("#{PREFIX}{}", URL_SAFE_NO_PAD.encode(json));
        let cases = [
            ("http://x/#other=1", "no Learnscope set-up"),
            ("#learnscope=1.%%%", "damaged"),
            (&encode("[1,2"), "cannot be read"),
            (&encode(r#"{"settings":{"generator":{"samples":1000000000000}}}"#), "samples"),
            (&encode(r#"{"settings":{"model":{"learning_rate":-1}}}"#), "learning rate"),
            (&encode(r#"{"settings":{"model":{"network":{"layers":[{"dense":{"units":0}}]}}}}"#), "layer 1"),
            (&encode(r#"{"settings":{"model":{"hidden_layers":[100000000]}}}"#), "hidden"),
            (&encode(r#"{"hide":["everything"]}"#), "hide"),
            (&encode(r#"{"points":[[0,0,0],[1e999,0,1]]}"#), "cannot be read"),
            (&encode(r#"{"points":[[0,0,0],[1,1,200]]}"#), "points"),
            (&encode(r#"{"lesson":"../../etc"}"#), "lesson"),
            (&encode(r#"{"surprise":1}"#), "unknown field"),
        ];
        for (link, expected) in cases {
            let error = SharedSetup::from_link(link).expect_err(link);
            assert!(error.contains(expected), "{link}: {error}");
        }
        let long = "#".to_string() + &"a".repeat(MAX_LINK_CHARS + 1);
        assert!(SharedSetup::from_link(&long).unwrap_err().contains("characters long"));
    }

    #[test]
    fn a_link_to_a_classical_model_keeps_its_kind() {
        let mut shared = setup();
        shared.settings.model.kind = ModelKind::Svm;
        let back = SharedSetup::from_link(&shared.to_link("https://example.org/")).unwrap();
        assert_eq!(back.settings.model.kind, ModelKind::Svm);
    }
}
