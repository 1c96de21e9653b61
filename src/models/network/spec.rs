//! A network written layer by layer, as a list and as compact text
//! (`"conv2d(8,3) relu maxpool(2) flatten dense(32) relu"`).

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

    /// The ReLU family wants He initialisation; the squashing ones want Glorot.
    pub fn is_relu_like(self) -> bool {
        matches!(self, Self::Relu | Self::LeakyRelu | Self::Gelu)
    }
}

/// Which recurrent cell a recurrent layer uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecurrentKind {
    Rnn,
    Lstm,
    Gru,
}

impl RecurrentKind {
    pub fn name(self) -> &'static str {
        match self {
            Self::Rnn => "rnn",
            Self::Lstm => "lstm",
            Self::Gru => "gru",
        }
    }

    /// How many gate blocks the cell computes per step.
    pub fn gates(self) -> usize {
        match self {
            Self::Rnn => 1,
            Self::Lstm => 4,
            Self::Gru => 3,
        }
    }
}

/// One layer of a network spec.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LayerSpec {
    Dense {
        units: usize,
    },
    Conv2d {
        filters: usize,
        kernel: usize,
        stride: usize,
        padding: usize,
    },
    MaxPool {
        size: usize,
    },
    AvgPool {
        size: usize,
    },
    /// A convolution over time: each filter slides along a sequence's steps across all channels.
    Conv1d {
        filters: usize,
        kernel: usize,
        stride: usize,
        padding: usize,
    },
    MaxPool1d {
        size: usize,
    },
    AvgPool1d {
        size: usize,
    },
    Flatten,
    Recurrent {
        cell: RecurrentKind,
        hidden: usize,
    },
    /// Normalizes each feature (vectors) or each channel (images) over the batch.
    BatchNorm,
    Dropout {
        p: f64,
    },
    Activation(Activation),
}

impl LayerSpec {
    /// The layer's kind as a user types it, without arguments ("conv2d", "relu").
    pub fn kind_name(&self) -> &'static str {
        match self {
            LayerSpec::Dense { .. } => "dense",
            LayerSpec::Conv2d { .. } => "conv2d",
            LayerSpec::MaxPool { .. } => "maxpool",
            LayerSpec::AvgPool { .. } => "avgpool",
            LayerSpec::Conv1d { .. } => "conv1d",
            LayerSpec::MaxPool1d { .. } => "maxpool1d",
            LayerSpec::AvgPool1d { .. } => "avgpool1d",
            LayerSpec::Flatten => "flatten",
            LayerSpec::Recurrent { cell, .. } => cell.name(),
            LayerSpec::BatchNorm => "batchnorm",
            LayerSpec::Dropout { .. } => "dropout",
            LayerSpec::Activation(a) => a.name(),
        }
    }

    /// Whether the layer holds trainable weights.
    pub fn has_weights(&self) -> bool {
        matches!(
            self,
            LayerSpec::Dense { .. }
                | LayerSpec::Conv2d { .. }
                | LayerSpec::Conv1d { .. }
                | LayerSpec::Recurrent { .. }
                | LayerSpec::BatchNorm
        )
    }
}

impl fmt::Display for LayerSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LayerSpec::Dense { units } => write!(f, "dense({units})"),
            LayerSpec::Conv2d { filters, kernel, stride: 1, padding: 0 } => {
                write!(f, "conv2d({filters},{kernel})")
            }
            LayerSpec::Conv2d { filters, kernel, stride, padding: 0 } => {
                write!(f, "conv2d({filters},{kernel},{stride})")
            }
            LayerSpec::Conv2d { filters, kernel, stride, padding } => {
                write!(f, "conv2d({filters},{kernel},{stride},{padding})")
            }
            LayerSpec::Conv1d { filters, kernel, stride: 1, padding: 0 } => {
                write!(f, "conv1d({filters},{kernel})")
            }
            LayerSpec::Conv1d { filters, kernel, stride, padding: 0 } => {
                write!(f, "conv1d({filters},{kernel},{stride})")
            }
            LayerSpec::Conv1d { filters, kernel, stride, padding } => {
                write!(f, "conv1d({filters},{kernel},{stride},{padding})")
            }
            LayerSpec::MaxPool1d { size } => write!(f, "maxpool1d({size})"),
            LayerSpec::AvgPool1d { size } => write!(f, "avgpool1d({size})"),
            LayerSpec::MaxPool { size } => write!(f, "maxpool({size})"),
            LayerSpec::AvgPool { size } => write!(f, "avgpool({size})"),
            LayerSpec::Recurrent { cell, hidden } => write!(f, "{}({hidden})", cell.name()),
            LayerSpec::Dropout { p } => write!(f, "dropout({p})"),
            other => f.write_str(other.kind_name()),
        }
    }
}

/// How the weights start out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WeightInit {
    /// He for layers followed by a ReLU-like activation, Glorot otherwise.
    #[default]
    Auto,
    /// Uniform, bound √(6 / (fan_in + fan_out)): suits tanh and sigmoid.
    Glorot,
    /// Uniform, bound √(6 / fan_in): suits ReLU.
    He,
    /// Normal with standard deviation 0.05, whatever the layer size (the naive choice).
    Normal,
    /// Uniform, bound 1/√fan_in, biases too: PyTorch's default, a narrower start than He's.
    FanIn,
}

impl WeightInit {
    pub const ALL: [WeightInit; 5] = [Self::Auto, Self::Glorot, Self::He, Self::Normal, Self::FanIn];

    pub fn name(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Glorot => "glorot",
            Self::He => "he",
            Self::Normal => "normal",
            Self::FanIn => "fan-in",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|i| i.name() == name.trim().to_ascii_lowercase())
    }
}

/// Where a network trains.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceChoice {
    #[default]
    Cpu,
    Cuda,
}

impl DeviceChoice {
    pub fn name(self) -> &'static str {
        match self {
            Self::Cpu => "cpu",
            Self::Cuda => "cuda",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        [Self::Cpu, Self::Cuda].into_iter().find(|d| d.name() == name.trim().to_ascii_lowercase())
    }
}

/// Training choices that belong to the network rather than to every model.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NetworkOptions {
    pub init: WeightInit,
    /// Penalty λ·Σ|w| on the weights (not the biases).
    pub l1: f64,
    /// Penalty λ·Σw² on the weights (not the biases).
    pub l2: f64,
    pub device: DeviceChoice,
    /// Record each layer's gradient norm at every step (for the gradient view).
    pub record_gradients: bool,
}

impl Default for NetworkOptions {
    fn default() -> Self {
        Self { init: WeightInit::Auto, l1: 0.0, l2: 0.0, device: DeviceChoice::Cpu, record_gradients: true }
    }
}

/// An ordered list of layers; the output layer is added from the task when the network is built.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NetworkSpec {
    pub layers: Vec<LayerSpec>,
    /// Not part of the text form.
    #[serde(default)]
    pub options: NetworkOptions,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SpecError {
    #[error("layer {index} '{text}': {reason}")]
    BadLayer { index: usize, text: String, reason: String },
    #[error("the network has {found} layers; at most {max} are allowed")]
    TooManyLayers { found: usize, max: usize },
}

/// Ready-made specs for the builder's preset menu.
pub mod presets {
    /// The TensorFlow Playground default: two hidden tanh layers.
    pub const PLAYGROUND_MLP: &str = "dense(8) tanh dense(8) tanh";
    /// A small LeNet-style CNN for the 8×8 digits.
    pub const LENET_DIGITS: &str =
        "conv2d(16,3,1,1) relu maxpool(2) conv2d(32,3,1,1) relu maxpool(2) flatten dense(64) relu";
    /// An LSTM over a waveform, read from its last hidden state.
    pub const LSTM_WAVEFORMS: &str = "lstm(32)";
    /// (name, spec) pairs in menu order.
    pub const ALL: [(&str, &str); 3] = [
        ("TF Playground MLP", PLAYGROUND_MLP),
        ("LeNet-style CNN (digits)", LENET_DIGITS),
        ("LSTM (waveforms)", LSTM_WAVEFORMS),
    ];
}

const KNOWN: &str = "known layers: dense(n), conv2d(filters,kernel[,stride[,padding]]), maxpool(k), avgpool(k), conv1d(filters,kernel[,stride[,padding]]), maxpool1d(k), avgpool1d(k), flatten, rnn(n), lstm(n), gru(n), batchnorm, dropout(p), relu, leaky_relu, tanh, sigmoid, gelu";

/// Splits the text into layer tokens; spaces inside parentheses do not split.
fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut depth = 0usize;
    for c in text.chars() {
        match c {
            '(' => {
                depth += 1;
                current.push(c);
            }
            ')' => {
                depth = depth.saturating_sub(1);
                current.push(c);
            }
            c if c.is_whitespace() && depth == 0 => {
                if !current.is_empty() {
                    out.push(std::mem::take(&mut current));
                }
            }
            c if c.is_whitespace() => {}
            c => current.push(c),
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

impl NetworkSpec {
    /// Hidden dense layers, each followed by the same activation.
    pub fn mlp(hidden: &[usize], activation: Activation) -> Self {
        let layers = hidden
            .iter()
            .flat_map(|&units| [LayerSpec::Dense { units }, LayerSpec::Activation(activation)])
            .collect();
        Self { layers, options: NetworkOptions::default() }
    }

    /// Checks a spec that did not come through `parse` (an experiment file, a link) by the same
    /// rules.
    pub fn check(&self) -> Result<(), SpecError> {
        Self::parse(&self.to_string()).map(|_| ())
    }

    /// Parses the compact form, e.g. `conv2d(8,3) relu maxpool(2) flatten dense(32) relu`.
    pub fn parse(text: &str) -> Result<Self, SpecError> {
        let tokens = tokens(text);
        if tokens.len() > MAX_LAYERS {
            return Err(SpecError::TooManyLayers { found: tokens.len(), max: MAX_LAYERS });
        }
        let mut layers = Vec::new();
        for (i, token) in tokens.into_iter().enumerate() {
            layers.push(parse_layer(i + 1, &token)?);
        }
        Ok(Self { layers, options: NetworkOptions::default() })
    }
}

fn parse_layer(index: usize, token: &str) -> Result<LayerSpec, SpecError> {
    let bad = |reason: String| SpecError::BadLayer { index, text: token.to_string(), reason };
    let (name, args) = match token.split_once('(') {
        Some((name, rest)) => {
            let inner = rest.strip_suffix(')').ok_or_else(|| bad("missing closing ')'".into()))?;
            let args: Vec<&str> = inner.split(',').map(str::trim).collect();
            (name.to_ascii_lowercase(), Some(args))
        }
        None => (token.to_ascii_lowercase(), None),
    };
    let count = |args: &[&str], i: usize, what: &str, min: usize| -> Result<usize, SpecError> {
        let text = args.get(i).copied().unwrap_or("");
        let max = largest(what);
        match text.parse::<usize>() {
            Ok(n) if n >= min && n <= max => Ok(n),
            Ok(n) if n > max => Err(bad(format!("the {what} must be at most {max}"))),
            Ok(_) => Err(bad(format!("the {what} must be at least {min}"))),
            Err(_) => Err(bad(format!("'{text}' is not a whole number for the {what}"))),
        }
    };
    let arity = |args: &[&str], range: std::ops::RangeInclusive<usize>, usage: &str| {
        if range.contains(&args.len()) { Ok(()) } else { Err(bad(format!("expected {usage}"))) }
    };
    let layer = match (name.as_str(), args.as_deref()) {
        ("dense", Some(a)) => {
            arity(a, 1..=1, "one number of units, e.g. dense(8)")?;
            LayerSpec::Dense { units: count(a, 0, "number of units", 1)? }
        }
        ("conv2d", Some(a)) => {
            arity(a, 2..=4, "conv2d(filters,kernel[,stride[,padding]]), e.g. conv2d(8,3)")?;
            LayerSpec::Conv2d {
                filters: count(a, 0, "number of filters", 1)?,
                kernel: count(a, 1, "kernel size", 1)?,
                stride: if a.len() > 2 { count(a, 2, "stride", 1)? } else { 1 },
                padding: if a.len() > 3 { count(a, 3, "padding", 0)? } else { 0 },
            }
        }
        ("conv1d", Some(a)) => {
            arity(a, 2..=4, "conv1d(filters,kernel[,stride[,padding]]), e.g. conv1d(8,5)")?;
            LayerSpec::Conv1d {
                filters: count(a, 0, "number of filters", 1)?,
                kernel: count(a, 1, "kernel size", 1)?,
                stride: if a.len() > 2 { count(a, 2, "stride", 1)? } else { 1 },
                padding: if a.len() > 3 { count(a, 3, "padding", 0)? } else { 0 },
            }
        }
        ("maxpool" | "avgpool" | "maxpool1d" | "avgpool1d", Some(a)) => {
            arity(a, 1..=1, &format!("one window size, e.g. {name}(2)"))?;
            let size = count(a, 0, "window size", 1)?;
            match name.as_str() {
                "maxpool" => LayerSpec::MaxPool { size },
                "avgpool" => LayerSpec::AvgPool { size },
                "maxpool1d" => LayerSpec::MaxPool1d { size },
                _ => LayerSpec::AvgPool1d { size },
            }
        }
        ("rnn" | "lstm" | "gru", Some(a)) => {
            arity(a, 1..=1, "one hidden size, e.g. lstm(32)")?;
            let cell = match name.as_str() {
                "rnn" => RecurrentKind::Rnn,
                "lstm" => RecurrentKind::Lstm,
                _ => RecurrentKind::Gru,
            };
            LayerSpec::Recurrent { cell, hidden: count(a, 0, "hidden size", 1)? }
        }
        ("dropout", Some(a)) => {
            arity(a, 1..=1, "one drop probability, e.g. dropout(0.2)")?;
            match a[0].parse::<f64>() {
                Ok(p) if (0.0..1.0).contains(&p) => LayerSpec::Dropout { p },
                _ => {
                    return Err(bad(format!(
                        "'{}' is not a drop probability: give a number from 0 up to (not including) 1",
                        a[0]
                    )));
                }
            }
        }
        ("flatten", None) => LayerSpec::Flatten,
        ("batchnorm", None) => LayerSpec::BatchNorm,
        (
            "dense" | "conv2d" | "conv1d" | "maxpool" | "avgpool" | "maxpool1d" | "avgpool1d" | "rnn"
            | "lstm" | "gru" | "dropout",
            None,
        ) => {
            return Err(bad(format!("{name} needs arguments in parentheses, e.g. {}", example(&name))));
        }
        (other, None) => LayerSpec::Activation(
            Activation::from_name(other).ok_or_else(|| bad(format!("unknown layer; {KNOWN}")))?,
        ),
        (_, Some(_)) => return Err(bad(format!("unknown layer or it takes no arguments; {KNOWN}"))),
    };
    Ok(layer)
}

/// The largest value a layer argument may take: far above what a lesson needs, far below what
/// would exhaust memory.
fn largest(what: &str) -> usize {
    match what {
        "number of units" => 4096,
        "number of filters" => 512,
        "hidden size" => 1024,
        "kernel size" | "window size" => 32,
        _ => 16,
    }
}

/// The most layers a network may have.
pub const MAX_LAYERS: usize = 64;

fn example(name: &str) -> &'static str {
    match name {
        "dense" => "dense(8)",
        "conv2d" => "conv2d(8,3)",
        "maxpool" => "maxpool(2)",
        "avgpool" => "avgpool(2)",
        "conv1d" => "conv1d(8,5)",
        "maxpool1d" => "maxpool1d(2)",
        "avgpool1d" => "avgpool1d(2)",
        "rnn" => "rnn(16)",
        "lstm" => "lstm(32)",
        "gru" => "gru(32)",
        _ => "dropout(0.2)",
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
        for text in [
            "conv2d(8,3) relu maxpool(2) flatten dense(32) relu",
            "lstm(32)",
            "gru(16) dropout(0.5) dense(4) gelu",
            "rnn(8) leaky_relu sigmoid",
            "dense(16) batchnorm tanh dropout(0.2) dense(16) tanh",
            "conv2d(4,3,2) avgpool(2) conv2d(4,5,1,2) batchnorm flatten",
            presets::LENET_DIGITS,
        ] {
            let spec = NetworkSpec::parse(text).unwrap();
            assert_eq!(spec.to_string(), text);
            let json = serde_json::to_string(&spec).unwrap();
            assert_eq!(serde_json::from_str::<NetworkSpec>(&json).unwrap(), spec);
        }
        // Spaces inside the parentheses are allowed and normalized away.
        assert_eq!(NetworkSpec::parse("conv2d(8, 3)  relu").unwrap().to_string(), "conv2d(8,3) relu");
        assert_eq!(NetworkSpec::parse("conv2d(8,3,1,0)").unwrap().to_string(), "conv2d(8,3)");
    }

    #[test]
    fn bad_layers_are_named() {
        let err = NetworkSpec::parse("dense(8) swish").unwrap_err();
        assert!(err.to_string().starts_with("layer 2 'swish'"), "{err}");
        assert!(NetworkSpec::parse("dense(x)").unwrap_err().to_string().contains("not a whole number"));
        assert!(NetworkSpec::parse("dense(0)").is_err());
        assert!(NetworkSpec::parse("dense").unwrap_err().to_string().contains("dense(8)"));
        assert!(NetworkSpec::parse("relu dropout(1.5)").unwrap_err().to_string().starts_with("layer 2"));
        assert!(NetworkSpec::parse("conv2d(8)").unwrap_err().to_string().contains("conv2d(filters,kernel"));
        assert!(NetworkSpec::parse("lstm(4").unwrap_err().to_string().contains("')'"));
        assert!(NetworkSpec::parse("flatten(2)").is_err());
    }
}
