//! Shape inference: what each layer receives and emits, how many weights it holds, and which
//! combinations cannot work (refused with the layer and both shapes named).

use std::fmt;

use serde::{Deserialize, Serialize};

use super::spec::{LayerSpec, NetworkSpec, RecurrentKind};
use crate::data::{InputShape, Task};

/// The shape of one example as it flows through the network (the batch dimension left out).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Shape {
    Vector(usize),
    Image { channels: usize, height: usize, width: usize },
    Sequence { steps: usize, features: usize },
}

impl Shape {
    /// The input shape of a data set whose rows hold `n_features` values.
    pub fn from_input(input: InputShape, n_features: usize) -> Result<Self, ShapeError> {
        let shape = match input {
            InputShape::Vector => Shape::Vector(n_features),
            InputShape::Image { channels, height, width } => Shape::Image { channels, height, width },
            InputShape::Sequence { steps, channels } => Shape::Sequence { steps, features: channels },
        };
        if shape.size() != n_features || n_features == 0 {
            return Err(ShapeError {
                index: 0,
                layer: "input".into(),
                reason: format!("declares {shape} but each row holds {n_features} values"),
            });
        }
        Ok(shape)
    }

    /// Values per example.
    pub fn size(self) -> usize {
        match self {
            Shape::Vector(n) => n,
            Shape::Image { channels, height, width } => channels * height * width,
            Shape::Sequence { steps, features } => steps * features,
        }
    }

    /// Dimensions without the batch, e.g. `[8, 6, 6]`.
    pub fn dims(self) -> Vec<usize> {
        match self {
            Shape::Vector(n) => vec![n],
            Shape::Image { channels, height, width } => vec![channels, height, width],
            Shape::Sequence { steps, features } => vec![steps, features],
        }
    }

    /// Compact form for the builder's shape column: `[2]`, `[8,6,6]`, `[20,1]`.
    pub fn compact(self) -> String {
        let dims: Vec<String> = self.dims().iter().map(ToString::to_string).collect();
        format!("[{}]", dims.join(","))
    }
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Shape::Vector(n) => write!(f, "a vector of {n}"),
            Shape::Image { channels, height, width } => write!(f, "an image [{channels},{height},{width}]"),
            Shape::Sequence { steps, features } => write!(f, "a sequence [{steps},{features}]"),
        }
    }
}

/// A layer that cannot take what it is given.
#[derive(Clone, Debug, thiserror::Error, PartialEq)]
#[error("layer {index} {layer} {reason}")]
pub struct ShapeError {
    /// 1-based position in the spec; 0 is the input, `layers + 1` the output layer.
    pub index: usize,
    pub layer: String,
    pub reason: String,
}

/// One row of the builder's shape column.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LayerShape {
    /// 1-based position in the spec.
    pub index: usize,
    pub layer: String,
    pub input: Shape,
    pub output: Shape,
    /// Trainable values in this layer.
    pub parameters: usize,
}

/// What the network ends with, from the task: the appended layer and the loss.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum OutputHead {
    /// One logit, sigmoid + binary cross-entropy.
    Binary,
    /// One logit per class, softmax cross-entropy.
    Multiclass(usize),
    /// One value, mean squared error.
    Value,
}

impl OutputHead {
    pub fn for_task(task: Task, classes: usize) -> Self {
        match task {
            Task::Regression => Self::Value,
            Task::Classification if classes <= 2 => Self::Binary,
            Task::Classification => Self::Multiclass(classes),
        }
    }

    pub fn units(self) -> usize {
        match self {
            Self::Multiclass(k) => k,
            _ => 1,
        }
    }

    /// For the UI, e.g. "output: dense(10) + softmax cross-entropy".
    pub fn describe(self) -> String {
        match self {
            Self::Binary => "output: dense(1) + sigmoid binary cross-entropy".into(),
            Self::Multiclass(k) => format!("output: dense({k}) + softmax cross-entropy"),
            Self::Value => "output: dense(1) + mean squared error".into(),
        }
    }
}

/// Every layer's shapes plus the appended output layer.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ShapeReport {
    pub input: Shape,
    pub layers: Vec<LayerShape>,
    /// The output layer's row (its index is `layers.len() + 1`).
    pub output: LayerShape,
    pub head: OutputHead,
    pub total_parameters: usize,
}

/// The weights a recurrent cell holds for `features` inputs and `hidden` units.
pub fn recurrent_parameters(cell: RecurrentKind, features: usize, hidden: usize) -> usize {
    let g = cell.gates();
    let biases = if cell == RecurrentKind::Gru { 2 * g * hidden } else { g * hidden };
    g * hidden * (features + hidden) + biases
}

/// What `layer` emits for `input`, and its parameter count.
pub fn layer_output(index: usize, layer: &LayerSpec, input: Shape) -> Result<(Shape, usize), ShapeError> {
    let refuse = |reason: String| ShapeError { index, layer: layer.kind_name().to_string(), reason };
    let needs = |what: &str, hint: &str| refuse(format!("needs {what} but receives {input}{hint}"));
    Ok(match (layer, input) {
        (LayerSpec::Dense { units }, Shape::Vector(n)) => (Shape::Vector(*units), n * units + units),
        (LayerSpec::Dense { .. }, Shape::Image { .. } | Shape::Sequence { .. }) => {
            return Err(needs("a vector", ": add flatten before it"));
        }
        (
            LayerSpec::Conv2d { filters, kernel, stride, padding },
            Shape::Image { channels, height, width },
        ) => {
            let out = |size: usize| (size + 2 * padding).checked_sub(*kernel).map(|d| d / stride + 1);
            match (out(height), out(width)) {
                (Some(h), Some(w)) if h > 0 && w > 0 => (
                    Shape::Image { channels: *filters, height: h, width: w },
                    filters * channels * kernel * kernel + filters,
                ),
                _ => {
                    return Err(refuse(format!(
                        "needs an image at least {kernel}×{kernel} (with padding {padding}) but receives {input}: use a smaller kernel or more padding"
                    )));
                }
            }
        }
        (
            LayerSpec::MaxPool { size } | LayerSpec::AvgPool { size },
            Shape::Image { channels, height, width },
        ) => {
            if height < *size || width < *size {
                return Err(refuse(format!("needs an image at least {size}×{size} but receives {input}")));
            }
            (Shape::Image { channels, height: height / size, width: width / size }, 0)
        }
        (LayerSpec::Conv2d { .. } | LayerSpec::MaxPool { .. } | LayerSpec::AvgPool { .. }, _) => {
            return Err(needs("an image [C,H,W]", ""));
        }
        (LayerSpec::Conv1d { filters, kernel, stride, padding }, Shape::Sequence { steps, features }) => {
            match (steps + 2 * padding).checked_sub(*kernel).map(|d| d / stride + 1) {
                Some(out) if out > 0 => (
                    Shape::Sequence { steps: out, features: *filters },
                    filters * features * kernel + filters,
                ),
                _ => {
                    return Err(refuse(format!(
                        "needs a sequence of at least {kernel} steps (with padding {padding}) but receives {input}: use a smaller kernel or more padding"
                    )));
                }
            }
        }
        (
            LayerSpec::MaxPool1d { size } | LayerSpec::AvgPool1d { size },
            Shape::Sequence { steps, features },
        ) => {
            if steps < *size {
                return Err(refuse(format!(
                    "needs a sequence of at least {size} steps but receives {input}"
                )));
            }
            (Shape::Sequence { steps: steps / size, features }, 0)
        }
        (LayerSpec::Conv1d { .. } | LayerSpec::MaxPool1d { .. } | LayerSpec::AvgPool1d { .. }, _) => {
            return Err(needs("a sequence [T,F]", ": conv1d and its pooling slide along time"));
        }
        (LayerSpec::Flatten, shape) => (Shape::Vector(shape.size()), 0),
        (LayerSpec::Recurrent { cell, hidden }, Shape::Sequence { features, .. }) => {
            (Shape::Vector(*hidden), recurrent_parameters(*cell, features, *hidden))
        }
        (LayerSpec::Recurrent { .. }, _) => {
            return Err(needs("a sequence [T,F]", ""));
        }
        (LayerSpec::BatchNorm, Shape::Vector(n)) => (input, 2 * n),
        (LayerSpec::BatchNorm, Shape::Image { channels, .. }) => (input, 2 * channels),
        (LayerSpec::BatchNorm, Shape::Sequence { .. }) => {
            return Err(needs("a vector or an image", ": put it after the recurrent layer"));
        }
        (LayerSpec::Dropout { p }, shape) => {
            if !(0.0..1.0).contains(p) {
                return Err(refuse(format!("has drop probability {p}; use a number from 0 up to 1")));
            }
            (shape, 0)
        }
        (LayerSpec::Activation(_), shape) => (shape, 0),
    })
}

/// Infers every layer's shapes for data of shape `input` and the given output head.
pub fn infer(spec: &NetworkSpec, input: Shape, head: OutputHead) -> Result<ShapeReport, ShapeError> {
    let mut layers = Vec::with_capacity(spec.layers.len());
    let mut shape = input;
    for (i, layer) in spec.layers.iter().enumerate() {
        let (output, parameters) = layer_output(i + 1, layer, shape)?;
        layers.push(LayerShape { index: i + 1, layer: layer.to_string(), input: shape, output, parameters });
        shape = output;
    }
    let index = spec.layers.len() + 1;
    let Shape::Vector(n) = shape else {
        return Err(ShapeError {
            index,
            layer: "output dense".into(),
            reason: format!("needs a vector but receives {shape}: end the network with flatten"),
        });
    };
    let units = head.units();
    let output = LayerShape {
        index,
        layer: format!("dense({units})"),
        input: shape,
        output: Shape::Vector(units),
        parameters: n * units + units,
    };
    let total_parameters = layers.iter().map(|l| l.parameters).sum::<usize>() + output.parameters;
    Ok(ShapeReport { input, layers, output, head, total_parameters })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(c: usize, h: usize, w: usize) -> Shape {
        Shape::Image { channels: c, height: h, width: w }
    }

    #[test]
    fn shapes_flow_through_a_cnn() {
        let spec = NetworkSpec::parse("conv2d(8,3) relu maxpool(2) flatten dense(32) relu").unwrap();
        let report = infer(&spec, image(1, 8, 8), OutputHead::Multiclass(10)).unwrap();
        let outs: Vec<Shape> = report.layers.iter().map(|l| l.output).collect();
        assert_eq!(outs[0], image(8, 6, 6));
        assert_eq!(outs[2], image(8, 3, 3));
        assert_eq!(outs[3], Shape::Vector(72));
        assert_eq!(outs[4], Shape::Vector(32));
        assert_eq!(report.layers[0].parameters, 8 * 9 + 8);
        assert_eq!(report.layers[4].parameters, 72 * 32 + 32);
        assert_eq!(report.output.parameters, 32 * 10 + 10);
        assert_eq!(report.total_parameters, 80 + 72 * 32 + 32 + 330);
        assert_eq!(report.head.describe(), "output: dense(10) + softmax cross-entropy");
        // Stride and padding.
        let spec = NetworkSpec::parse("conv2d(4,3,2,1) batchnorm avgpool(2) flatten").unwrap();
        let report = infer(&spec, image(3, 9, 9), OutputHead::Value).unwrap();
        assert_eq!(report.layers[0].output, image(4, 5, 5));
        assert_eq!(report.layers[1].parameters, 8);
        assert_eq!(report.layers[2].output, image(4, 2, 2));
        assert_eq!(report.output.input, Shape::Vector(16));
    }

    #[test]
    fn recurrent_layers_emit_their_last_hidden_state() {
        let seq = Shape::Sequence { steps: 20, features: 1 };
        for (text, params) in
            [("lstm(32)", 4 * 32 * 33 + 4 * 32), ("gru(32)", 3 * 32 * 33 + 6 * 32), ("rnn(4)", 4 * 5 + 4)]
        {
            let report = infer(&NetworkSpec::parse(text).unwrap(), seq, OutputHead::Binary).unwrap();
            assert_eq!(report.layers[0].parameters, params, "{text}");
            assert!(matches!(report.layers[0].output, Shape::Vector(_)));
        }
        let report =
            infer(&NetworkSpec::parse("flatten dense(4)").unwrap(), seq, OutputHead::Binary).unwrap();
        assert_eq!(report.layers[0].output, Shape::Vector(20));
    }

    #[test]
    fn impossible_combinations_name_the_layer_and_both_shapes() {
        let refuse = |text: &str, input: Shape| {
            infer(&NetworkSpec::parse(text).unwrap(), input, OutputHead::Binary).unwrap_err().to_string()
        };
        assert_eq!(
            refuse("conv2d(8,3) relu", Shape::Vector(2)),
            "layer 1 conv2d needs an image [C,H,W] but receives a vector of 2"
        );
        let msg = refuse("conv2d(8,3) dense(4)", image(1, 8, 8));
        assert!(msg.starts_with("layer 2 dense needs a vector but receives an image [8,6,6]"), "{msg}");
        let msg = refuse("dense(4) lstm(8)", Shape::Vector(3));
        assert!(msg.starts_with("layer 2 lstm needs a sequence [T,F] but receives a vector of 4"), "{msg}");
        let msg = refuse("conv2d(8,9)", image(1, 8, 8));
        assert!(msg.starts_with("layer 1 conv2d needs an image at least 9×9"), "{msg}");
        assert!(msg.contains("an image [1,8,8]"), "{msg}");
        let msg = refuse("maxpool(2) maxpool(2) maxpool(2) maxpool(2)", image(1, 8, 8));
        assert!(msg.starts_with("layer 4 maxpool"), "{msg}");
        let msg = refuse("conv2d(2,3)", image(1, 8, 8));
        assert!(
            msg.starts_with("layer 2 output dense needs a vector but receives an image [2,6,6]"),
            "{msg}"
        );
        let msg = refuse("batchnorm", Shape::Sequence { steps: 5, features: 2 });
        assert!(msg.starts_with("layer 1 batchnorm"), "{msg}");
        assert!(Shape::from_input(InputShape::Image { channels: 1, height: 8, width: 8 }, 63).is_err());
    }
}
