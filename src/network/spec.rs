//! A network written layer by layer, as a list and as compact text ("dense(8) tanh dense(8) tanh").

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Activation {
    Relu,
    LeakyRelu,
    Tanh,
    Sigmoid,
    Gelu,
}

impl Activation {
    pub const ALL: [Activation; 5] = [Self::Relu, Self::LeakyRelu, Self::Tanh, Self::Sigmoid, Self::Gelu];

    pub fn name(self) -> &'static str {
        match self {
            Self::Relu => "relu",
            Self::LeakyRelu => "leaky_relu",
            Self::Tanh => "tanh",
            Self::Sigmoid => "sigmoid",
            Self::Gelu => "gelu",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.name() == name.trim().to_ascii_lowercase())
    }
}

/// One layer of a network spec.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LayerSpec {
    Dense { units: usize },
    Activation(Activation),
}

impl fmt::Display for LayerSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LayerSpec::Dense { units } => write!(f, "dense({units})"),
            LayerSpec::Activation(a) => f.write_str(a.name()),
        }
    }
}

/// An ordered list of layers; the output layer is added from the task when the network is built.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NetworkSpec {
    pub layers: Vec<LayerSpec>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SpecError {
    #[error("layer {index} '{text}': {reason}")]
    BadLayer { index: usize, text: String, reason: String },
}

impl NetworkSpec {
    /// Hidden dense layers, each followed by the same activation.
    pub fn mlp(hidden: &[usize], activation: Activation) -> Self {
        let layers = hidden
            .iter()
            .flat_map(|&units| [LayerSpec::Dense { units }, LayerSpec::Activation(activation)])
            .collect();
        Self { layers }
    }

    /// Parses the compact form, e.g. `dense(16) relu dense(8) tanh`.
    pub fn parse(text: &str) -> Result<Self, SpecError> {
        let mut layers = Vec::new();
        for (i, token) in text.split_whitespace().enumerate() {
            let index = i + 1;
            let bad = |reason: String| SpecError::BadLayer { index, text: token.to_string(), reason };
            let (name, args) = match token.split_once('(') {
                Some((name, rest)) => {
                    let inner = rest.strip_suffix(')').ok_or_else(|| bad("missing closing ')'".into()))?;
                    (name.to_ascii_lowercase(), Some(inner))
                }
                None => (token.to_ascii_lowercase(), None),
            };
            let layer = match (name.as_str(), args) {
                ("dense", Some(units)) => {
                    let units: usize = units
                        .trim()
                        .parse()
                        .map_err(|_| bad(format!("'{units}' is not a whole number of units")))?;
                    if units == 0 {
                        return Err(bad("a dense layer needs at least one unit".into()));
                    }
                    LayerSpec::Dense { units }
                }
                ("dense", None) => return Err(bad("say how many units, e.g. dense(8)".into())),
                (other, None) => LayerSpec::Activation(Activation::from_name(other).ok_or_else(|| {
                    bad("unknown layer; known: dense(n), relu, leaky_relu, tanh, sigmoid, gelu".into())
                })?),
                (_, Some(_)) => return Err(bad("unknown layer; known: dense(n)".into())),
            };
            layers.push(layer);
        }
        Ok(Self { layers })
    }
}

impl fmt::Display for NetworkSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.layers.iter().map(ToString::to_string).collect();
        f.write_str(&parts.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_form_round_trips() {
        let spec = NetworkSpec::parse("dense(16) relu dense(8) TANH").unwrap();
        assert_eq!(spec.layers.len(), 4);
        assert_eq!(spec.to_string(), "dense(16) relu dense(8) tanh");
        assert_eq!(NetworkSpec::parse(&spec.to_string()).unwrap(), spec);
        assert_eq!(NetworkSpec::mlp(&[16, 8], Activation::Relu).to_string(), "dense(16) relu dense(8) relu");
    }

    #[test]
    fn bad_layers_are_named() {
        let err = NetworkSpec::parse("dense(8) swish").unwrap_err();
        assert!(err.to_string().starts_with("layer 2 'swish'"), "{err}");
        assert!(NetworkSpec::parse("dense(x)").unwrap_err().to_string().contains("not a whole number"));
        assert!(NetworkSpec::parse("dense(0)").is_err());
    }
}
