//! "Why this prediction?" for networks: input saliency and every layer's activation for one row.

use candle_core::{DType, Tensor, Var};

use super::layers::Pass;
use super::{LayerActivations, NetworkLearner, OutputHead, candle_err};
use crate::models::learner::ModelError;

/// The gradient of the predicted class's score (the value, for regression) with respect to each
/// input feature of one standardized row: which inputs would move the answer most.
///
/// The score is the class's logit (for a binary head, the logit of the predicted class: `z` for
/// class 1, `-z` for class 0), so a positive entry means "more of this feature, more of this class".
pub fn saliency(learner: &NetworkLearner, row: &[f64]) -> Result<Vec<f64>, ModelError> {
    if row.len() != learner.n_features {
        return Err(ModelError::Unsuitable(format!(
            "saliency needs one row of {} values but was given {}",
            learner.n_features,
            row.len()
        )));
    }
    let run = || -> candle_core::Result<Vec<f64>> {
        let x = learner.input_tensor(row, learner.n_features)?;
        let input = Var::from_tensor(&x)?;
        let out = learner.forward(input.as_tensor(), &mut Pass::eval_with_gradients())?;
        let score = predicted_score(learner.head, &out)?;
        let grads = score.backward()?;
        let Some(gradient) = grads.get(input.as_tensor()) else {
            // The output does not depend on the input at all (e.g. every path is dead).
            return Ok(vec![0.0; row.len()]);
        };
        let values: Vec<f32> = gradient.to_dtype(DType::F32)?.flatten_all()?.to_vec1()?;
        Ok(values.into_iter().map(f64::from).collect())
    };
    run().map_err(candle_err)
}

/// The scalar whose gradient saliency reports, for a batch of one.
fn predicted_score(head: OutputHead, out: &Tensor) -> candle_core::Result<Tensor> {
    let logits: Vec<f32> = out.to_dtype(DType::F32)?.flatten_all()?.to_vec1()?;
    match head {
        OutputHead::Binary if logits.first().copied().unwrap_or(0.0) < 0.0 => out.sum_all()?.neg(),
        OutputHead::Binary | OutputHead::Value => out.sum_all(),
        OutputHead::Multiclass(_) => {
            let best =
                logits.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).map(|(i, _)| i).unwrap_or(0);
            out.narrow(1, best, 1)?.sum_all()
        }
    }
}

/// Everything the "Why this prediction?" panel shows for one row.
#[derive(Clone, Debug, PartialEq)]
pub struct Explanation {
    /// d(score)/d(feature) per input feature (see `saliency`).
    pub saliency: Vec<f64>,
    /// Every layer's output for the row (the output layer last), batch dimension first.
    pub layers: Vec<LayerActivations>,
    /// For recurrent layers: the hidden state after every step.
    pub hidden_states: Vec<HiddenStates>,
    /// Predicted class (classification) or value (regression), and its probability.
    pub predicted: f64,
    pub confidence: Option<f64>,
}

/// A recurrent layer's hidden state over the steps of one sequence.
#[derive(Clone, Debug, PartialEq)]
pub struct HiddenStates {
    pub index: usize,
    pub layer: String,
    /// `states[t][h]`: hidden unit `h` after step `t`.
    pub states: Vec<Vec<f32>>,
}

/// Saliency, every layer's activation and (for recurrent layers) the hidden state over time,
/// for one standardized row.
pub fn explain(learner: &NetworkLearner, row: &[f64]) -> Result<Explanation, ModelError> {
    use crate::models::{Learner, Prediction};
    let saliency = saliency(learner, row)?;
    let layers = learner.activations(row, learner.n_features)?;
    let hidden_states = learner.hidden_states(row)?;
    let (predicted, confidence) = match learner.predict(row, learner.n_features)? {
        prediction @ Prediction::Probabilities { .. } => {
            let class = prediction.classes().and_then(|c| c.first().copied()).unwrap_or(0);
            let Prediction::Probabilities { probs, .. } = prediction else { unreachable!() };
            (class as f64, probs.get(class as usize).map(|&p| f64::from(p)))
        }
        Prediction::Values(v) => (v.first().copied().unwrap_or(0.0), None),
    };
    Ok(Explanation { saliency, layers, hidden_states, predicted, confidence })
}

impl NetworkLearner {
    /// For every recurrent layer, its hidden state after each step of one standardized row
    /// (a sequence), found by running the layer on ever longer prefixes of its input.
    pub fn hidden_states(&self, row: &[f64]) -> Result<Vec<HiddenStates>, ModelError> {
        let run = || -> candle_core::Result<Vec<HiddenStates>> {
            let names = self.layer_names();
            let mut h = self.input_tensor(row, self.n_features)?;
            let mut out = Vec::new();
            for (i, layer) in self.layers.iter().enumerate() {
                if let super::layers::Layer::Recurrent { .. } = layer {
                    let steps = h.dim(1)?;
                    let mut states = Vec::with_capacity(steps);
                    for t in 1..=steps {
                        let prefix = h.narrow(1, 0, t)?;
                        let state = layer.forward(i, &prefix, &mut Pass::eval())?;
                        states.push(state.to_dtype(DType::F32)?.flatten_all()?.to_vec1()?);
                    }
                    out.push(HiddenStates { index: i + 1, layer: names[i].clone(), states });
                }
                h = layer.forward(i, &h, &mut Pass::eval())?;
            }
            Ok(out)
        };
        run().map_err(candle_err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{InputShape, Task};
    use crate::models::network::{Activation, NetworkSpec, OptimizerKind, TrainSettings};

    fn settings() -> TrainSettings {
        TrainSettings { learning_rate: 0.05, batch_size: 8, optimizer: OptimizerKind::Adam, seed: 1 }
    }

    /// Sets a dense network's weights so the answer depends on the features in a known way.
    fn set_dense(net: &NetworkLearner, layer: usize, weights: &[f32], bias: &[f32]) {
        let data = net.varmap().data().lock().unwrap();
        let w = &data[&format!("layer{layer}.weight")];
        let shape = w.as_tensor().dims().to_vec();
        w.set(&Tensor::from_vec(weights.to_vec(), shape, w.device()).unwrap()).unwrap();
        let b = &data[&format!("layer{layer}.bias")];
        b.set(&Tensor::from_vec(bias.to_vec(), bias.len(), b.device()).unwrap()).unwrap();
    }

    #[test]
    fn saliency_of_a_linear_regression_net_is_its_weights() {
        // No hidden layers: the output is 2·x0 − 3·x1 + 0·x2, so the gradient is (2, −3, 0).
        let spec = NetworkSpec::mlp(&[], Activation::Relu);
        let net = NetworkLearner::new(&spec, 3, Task::Regression, 0, settings()).unwrap();
        set_dense(&net, 0, &[2.0, -3.0, 0.0], &[0.5]);
        let s = saliency(&net, &[0.3, -1.0, 4.0]).unwrap();
        assert_eq!(s.len(), 3);
        assert!((s[0] - 2.0).abs() < 1e-5 && (s[1] + 3.0).abs() < 1e-5 && s[2].abs() < 1e-6, "{s:?}");
    }

    #[test]
    fn binary_saliency_points_toward_the_predicted_class() {
        let spec = NetworkSpec::mlp(&[], Activation::Relu);
        let net = NetworkLearner::new(&spec, 2, Task::Classification, 2, settings()).unwrap();
        // logit = 4·x0 − x1: a row with x0 > 0 is class 1 and more x0 makes it more so.
        set_dense(&net, 0, &[4.0, -1.0], &[0.0]);
        let class1 = saliency(&net, &[1.0, 0.0]).unwrap();
        assert!(class1[0] > 3.9 && class1[1] < -0.9, "{class1:?}");
        // For a class-0 row the score is −logit: more x0 makes class 0 less likely.
        let class0 = saliency(&net, &[-1.0, 0.0]).unwrap();
        assert!(class0[0] < -3.9 && class0[1] > 0.9, "{class0:?}");
    }

    #[test]
    fn saliency_has_one_value_per_pixel_and_refuses_a_wrong_row() {
        let spec = NetworkSpec::parse("conv2d(2,3,1,1) relu flatten dense(4) tanh").unwrap();
        let input = InputShape::Image { channels: 1, height: 4, width: 4 };
        let net = NetworkLearner::with_input(&spec, input, 16, Task::Classification, 3, settings()).unwrap();
        let row: Vec<f64> = (0..16).map(|i| (i as f64 - 8.0) / 8.0).collect();
        let s = saliency(&net, &row).unwrap();
        assert_eq!(s.len(), 16);
        assert!(s.iter().all(|v| v.is_finite()) && s.iter().any(|v| *v != 0.0));
        let err = saliency(&net, &row[..5]).unwrap_err().to_string();
        assert!(err.contains("16 values") && err.contains("given 5"), "{err}");
    }

    #[test]
    fn explain_gives_layers_and_hidden_states_over_time() {
        let spec = NetworkSpec::parse("gru(3) dense(2) relu").unwrap();
        let input = InputShape::Sequence { steps: 5, channels: 1 };
        let net = NetworkLearner::with_input(&spec, input, 5, Task::Classification, 2, settings()).unwrap();
        let e = explain(&net, &[0.1, 0.5, -0.2, 0.9, 0.0]).unwrap();
        assert_eq!(e.saliency.len(), 5);
        assert_eq!(e.layers.len(), 4, "gru, dense, relu, output");
        assert_eq!(e.hidden_states.len(), 1);
        assert_eq!(e.hidden_states[0].states.len(), 5);
        assert_eq!(e.hidden_states[0].states[0].len(), 3);
        // The last state is the layer's own output.
        let last = &e.hidden_states[0].states[4];
        for (a, b) in last.iter().zip(&e.layers[0].values) {
            assert!((a - b).abs() < 1e-5);
        }
        assert!(e.confidence.is_some_and(|p| (0.5..=1.0).contains(&p)));
    }
}
