//! The stepper's numbers as text: one line per unit, weight or bias for each stage (what the
//! studio lists and its tests read back), and for the unit or edge under the pointer the formula
//! with its numbers: the weighted sum, the chain-rule product, the optimizer's update.

use super::{BackpropStep, OutputHead, StepStage, UnitActivation, UpdateRule};

/// Six decimals, or four significant digits when tiny, with a true minus sign: the stage lists.
pub fn exact(v: f64) -> String {
    signed(if v == 0.0 || v.abs() >= 1e-3 { format!("{:.6}", v + 0.0) } else { format!("{v:.3e}") })
}

/// Three decimals, or two significant digits when tiny: the diagram.
pub fn short(v: f64) -> String {
    signed(if v == 0.0 || v.abs() >= 1e-2 { format!("{:.3}", v + 0.0) } else { format!("{v:.1e}") })
}

/// Four decimals, or three significant digits when tiny: the formulas.
fn mid(v: f64) -> String {
    signed(if v == 0.0 || v.abs() >= 1e-3 { format!("{:.4}", v + 0.0) } else { format!("{v:.2e}") })
}

/// A factor inside a product: negative numbers in brackets.
fn factor(v: f64) -> String {
    if v < 0.0 { format!("({})", mid(v)) } else { mid(v) }
}

/// An optimizer's constant as people write it (0.1, not 0.09999999999999998).
fn constant(v: f64) -> String {
    format!("{}", (v * 1e9).round() / 1e9)
}

fn signed(text: String) -> String {
    text.replace('-', "−")
}

/// A number as `exact`, `short` or a student types it (a true minus sign or a hyphen).
pub fn parse_number(text: &str) -> Option<f64> {
    text.trim().replace('−', "-").parse::<f64>().ok().filter(|v| v.is_finite())
}

impl BackpropStep {
    /// "point 2, " when several points are stepped together.
    fn point(&self, r: usize) -> String {
        if self.rows > 1 { format!("point {}, ", r + 1) } else { String::new() }
    }

    /// What the input of layer k is called: x for the inputs, a for a layer's activations.
    fn source(k: usize) -> &'static str {
        if k == 0 { "x" } else { "a" }
    }

    pub fn stage_title(&self, stage: StepStage) -> String {
        match stage {
            StepStage::Input => "the point: its inputs and target".into(),
            StepStage::Forward(k) => {
                format!("forward pass, {}: each unit's weighted sum z and activation a", self.layers[k].name)
            }
            StepStage::Loss => format!("the loss: {}", self.loss_name()),
            StepStage::Backward(k) => format!(
                "backward pass, {}: each unit's error signal δ = ∂L/∂z and each weight's gradient",
                self.layers[k].name
            ),
            StepStage::Update => format!("the update: {}", self.rule.describe(self.learning_rate)),
        }
    }

    fn loss_name(&self) -> &'static str {
        match self.head {
            OutputHead::Binary => "binary cross-entropy on σ(z)",
            OutputHead::Multiclass(_) => "cross-entropy on softmax(z)",
            OutputHead::Value => "squared error",
        }
    }

    /// One line per number of the stage, e.g. "hidden 1 unit 3: z = 0.412345, a = tanh(z) = 0.390123".
    pub fn stage_lines(&self, stage: StepStage) -> Vec<String> {
        let mut lines = Vec::new();
        match stage {
            StepStage::Input => {
                for r in 0..self.rows {
                    let x = &self.inputs[r * self.n_inputs..(r + 1) * self.n_inputs];
                    lines.extend(
                        x.iter()
                            .enumerate()
                            .map(|(i, v)| format!("{}x{} = {}", self.point(r), i + 1, exact(*v))),
                    );
                    lines.push(format!("{}target y = {}", self.point(r), self.targets[r]));
                }
            }
            StepStage::Forward(k) => {
                let l = &self.layers[k];
                for r in 0..self.rows {
                    for u in 0..l.units {
                        let i = r * l.units + u;
                        lines.push(match l.activation {
                            UnitActivation::Linear => {
                                format!("{}{} unit {}: z = {}", self.point(r), l.name, u + 1, exact(l.z[i]))
                            }
                            act => format!(
                                "{}{} unit {}: z = {}, a = {}(z) = {}",
                                self.point(r),
                                l.name,
                                u + 1,
                                exact(l.z[i]),
                                act.name(),
                                exact(l.a[i])
                            ),
                        });
                    }
                }
            }
            StepStage::Loss => lines = self.loss_lines(),
            StepStage::Backward(k) => {
                let l = &self.layers[k];
                for r in 0..self.rows {
                    for u in 0..l.units {
                        let d = l.delta[r * l.units + u];
                        lines.push(format!(
                            "{}{} unit {}: δ = ∂L/∂z = {}",
                            self.point(r),
                            l.name,
                            u + 1,
                            exact(d)
                        ));
                    }
                }
                for u in 0..l.units {
                    lines.push(format!("{} b{}: ∂L/∂b = {}", l.name, u + 1, exact(l.bias_grads[u])));
                }
                for i in 0..l.inputs {
                    for u in 0..l.units {
                        let g = l.weight_grads[i * l.units + u];
                        lines.push(format!("{} w({},{}): ∂L/∂w = {}", l.name, i + 1, u + 1, exact(g)));
                    }
                }
            }
            StepStage::Update => {
                for l in &self.layers {
                    for i in 0..l.inputs {
                        for u in 0..l.units {
                            let j = i * l.units + u;
                            let (old, new) = (l.weights[j], l.new_weights[j]);
                            lines.push(format!(
                                "{} w({},{}): {}, new {}",
                                l.name,
                                i + 1,
                                u + 1,
                                exact(old),
                                exact(new)
                            ));
                        }
                    }
                    for u in 0..l.units {
                        let (old, new) = (l.biases[u], l.new_biases[u]);
                        lines.push(format!("{} b{}: {}, new {}", l.name, u + 1, exact(old), exact(new)));
                    }
                }
            }
        }
        lines
    }

    fn loss_lines(&self) -> Vec<String> {
        let mut lines = Vec::new();
        let k = self.head.units();
        for r in 0..self.rows {
            let (p, y) = (self.point(r), self.targets[r]);
            match self.head {
                OutputHead::Binary => {
                    lines.push(format!("{p}output p = σ(z) = {} for target y = {y}", exact(self.outputs[r])))
                }
                OutputHead::Multiclass(_) => lines.extend((0..k).map(|c| {
                    format!(
                        "{p}output class {c}: p = softmax(z) = {} (target y = {y})",
                        exact(self.outputs[r * k + c])
                    )
                })),
                OutputHead::Value => {
                    lines.push(format!("{p}output ŷ = z = {} for target y = {y}", exact(self.outputs[r])))
                }
            }
        }
        let mean =
            if self.rows > 1 { format!(", the mean over {} points", self.rows) } else { String::new() };
        lines.push(format!("data loss = {} ({}{mean})", exact(self.data_loss), self.loss_name()));
        if self.l1 != 0.0 || self.l2 != 0.0 {
            lines.push(format!(
                "penalty = {} (λ₁ = {} on Σ|w|, λ₂ = {} on Σw²)",
                exact(self.penalty),
                self.l1,
                self.l2
            ));
        }
        lines.push(format!("loss L = {}", exact(self.loss)));
        lines
    }

    /// The formula behind one loss line, for the output unit under the pointer.
    pub fn loss_text(&self) -> String {
        let (p, y) = (self.outputs.first().copied().unwrap_or_default(), self.targets[0]);
        let formula = match self.head {
            OutputHead::Binary => {
                format!("L = −[y·ln p + (1 − y)·ln(1 − p)] with p = {} and y = {y}", mid(p))
            }
            OutputHead::Multiclass(_) => format!("L = −ln p(target class {y})"),
            OutputHead::Value => format!("L = (ŷ − y)² with ŷ = {} and y = {y}", mid(p)),
        };
        let mean = if self.rows > 1 { ", averaged over the points" } else { "" };
        format!("{formula}{mean}: L = {}", mid(self.loss))
    }

    /// The unit under the pointer: column 0 are the inputs, column k + 1 is layer k.
    pub fn unit_text(&self, stage: StepStage, column: usize, u: usize) -> String {
        let Some(k) = column.checked_sub(1) else {
            return format!("x{} = {} (an input, standardized)", u + 1, mid(self.inputs[u]));
        };
        let l = &self.layers[k];
        match stage {
            StepStage::Backward(_) => self.delta_text(k, u),
            StepStage::Update => self.update_text(k, None, u),
            StepStage::Loss if k + 1 == self.layers.len() => self.loss_text(),
            _ => {
                let x = self.layer_input(k, 0);
                let mut terms: Vec<String> =
                    (0..l.inputs).map(|i| format!("{} × {}", factor(l.weight(i, u)), factor(x[i]))).collect();
                terms.push(factor(l.biases[u]));
                let sum = format!(
                    "z{} = Σ w·{} + b = {} = {}",
                    u + 1,
                    Self::source(k),
                    terms.join(" + "),
                    mid(l.z[u])
                );
                match l.activation {
                    UnitActivation::Linear => sum,
                    act => format!("{sum}; a{} = {}(z) = {}", u + 1, act.name(), mid(l.a[u])),
                }
            }
        }
    }

    /// How unit u of layer k got its error signal (for the first point): the loss's slope at
    /// the output, the chain rule below it.
    pub fn delta_text(&self, k: usize, u: usize) -> String {
        let l = &self.layers[k];
        let d = l.delta[u];
        let over = if self.rows > 1 { format!(" ÷ {}", self.rows) } else { String::new() };
        if k + 1 == self.layers.len() {
            let (p, y) = (self.outputs[u], self.targets[0]);
            return match self.head {
                OutputHead::Binary => {
                    format!("δ = ∂L/∂z = (p − y){over} = ({} − {y}){over} = {}", mid(p), mid(d))
                }
                OutputHead::Multiclass(_) => {
                    let hit = u8::from(u as f64 == y);
                    format!(
                        "δ{} = ∂L/∂z = (p{} − [y = {}]){over} = ({} − {hit}){over} = {}",
                        u + 1,
                        u,
                        u,
                        mid(p),
                        mid(d)
                    )
                }
                OutputHead::Value => {
                    format!("δ = ∂L/∂z = 2(ŷ − y){over} = 2 × ({} − {y}){over} = {}", mid(p), mid(d))
                }
            };
        }
        let next = &self.layers[k + 1];
        let terms: Vec<String> = (0..next.units)
            .map(|v| format!("{} × {}", factor(next.weight(u, v)), factor(next.delta[v])))
            .collect();
        let back: f64 = (0..next.units).map(|v| next.weight(u, v) * next.delta[v]).sum();
        let slope = l.activation.slope(l.z[u], l.a[u]);
        format!(
            "δ{} = f'(z) × Σ w·δ(next) = [{}] {} × ({}) = {} × {} = {}",
            u + 1,
            l.activation.slope_formula(),
            mid(slope),
            terms.join(" + "),
            mid(slope),
            factor(back),
            mid(d)
        )
    }

    /// The edge from input i of layer k to its unit u, at this stage.
    pub fn edge_text(&self, stage: StepStage, k: usize, i: usize, u: usize) -> String {
        let l = &self.layers[k];
        let j = i * l.units + u;
        let (w, src) = (l.weights[j], Self::source(k));
        match stage {
            StepStage::Backward(_) => {
                let x = self.layer_input(k, 0)[i];
                let mut text = if self.rows == 1 {
                    format!(
                        "∂L/∂w({},{}) = δ{} × {src}{} = {} × {} = {}",
                        i + 1,
                        u + 1,
                        u + 1,
                        i + 1,
                        mid(l.delta[u]),
                        factor(x),
                        mid(l.weight_grads[j] - l.penalty_grads[j])
                    )
                } else {
                    format!(
                        "∂L/∂w({},{}) = Σ over the {} points of δ{} × {src}{} = {}",
                        i + 1,
                        u + 1,
                        self.rows,
                        u + 1,
                        i + 1,
                        mid(l.weight_grads[j] - l.penalty_grads[j])
                    )
                };
                if self.l1 != 0.0 || self.l2 != 0.0 {
                    text += &format!(
                        ", + the penalty's {} = {}",
                        mid(l.penalty_grads[j]),
                        mid(l.weight_grads[j])
                    );
                }
                format!("{text}\n{}", self.delta_text(k, u))
            }
            StepStage::Update => self.update_text(k, Some(i), u),
            _ => {
                let x = self.layer_input(k, 0)[i];
                format!(
                    "w({},{}) = {}: adds w × {src}{} = {} × {} = {} to z{}",
                    i + 1,
                    u + 1,
                    mid(w),
                    i + 1,
                    factor(w),
                    factor(x),
                    mid(w * x),
                    u + 1
                )
            }
        }
    }

    /// The optimizer's update of the weight from input i to unit u of layer k, or of unit u's bias (`from` = None).
    pub fn update_text(&self, k: usize, from: Option<usize>, u: usize) -> String {
        let l = &self.layers[k];
        let (name, old, g, new, state) = match from {
            Some(i) => {
                let j = i * l.units + u;
                (
                    format!("w({},{})", i + 1, u + 1),
                    l.weights[j],
                    l.weight_grads[j],
                    l.new_weights[j],
                    l.weight_state[j],
                )
            }
            None => (format!("b{}", u + 1), l.biases[u], l.bias_grads[u], l.new_biases[u], l.bias_state[u]),
        };
        let lr = self.learning_rate;
        match self.rule {
            UpdateRule::Sgd | UpdateRule::SgdInsteadOf(_) => format!(
                "new {name} = {name} − η × ∂L/∂{name} = {} − {lr} × {} = {}",
                mid(old),
                factor(g),
                mid(new)
            ),
            UpdateRule::Momentum { momentum, first } => {
                let v = state.after[0];
                let velocity = if first {
                    format!("v = ∂L/∂{name} = {} (the first step)", mid(g))
                } else {
                    format!("v = {momentum} × {} + {} = {}", factor(state.before[0]), factor(g), mid(v))
                };
                format!(
                    "{velocity}; new {name} = {name} − η × v = {} − {lr} × {} = {}",
                    mid(old),
                    factor(v),
                    mid(new)
                )
            }
            UpdateRule::Adam { beta1, beta2, eps, weight_decay, step } => {
                let ([m0, v0], [m, v]) = (state.before, state.after);
                let m_hat = m / (1.0 - beta1.powi(step));
                let v_hat = v / (1.0 - beta2.powi(step));
                let decay = if weight_decay > 0.0 {
                    format!(" × (1 − {lr} × {weight_decay})")
                } else {
                    String::new()
                };
                format!(
                    "m = {} × m + {} × ∂L/∂{name} = {} × {} + {} × {} = {}; v = {} × v + {} × (∂L/∂{name})² = {} × {} + {} × {}² = {}; \
                     bias-corrected M = m/(1 − {}^{step}) = {}, V = v/(1 − {}^{step}) = {}; \
                     new {name} = {name}{decay} − η × M/(√V + {eps:e}) = {}{decay} − {lr} × {} = {}",
                    constant(beta1),
                    constant(1.0 - beta1),
                    constant(beta1),
                    factor(m0),
                    constant(1.0 - beta1),
                    factor(g),
                    mid(m),
                    constant(beta2),
                    constant(1.0 - beta2),
                    constant(beta2),
                    mid(v0),
                    constant(1.0 - beta2),
                    factor(g),
                    mid(v),
                    constant(beta1),
                    mid(m_hat),
                    constant(beta2),
                    mid(v_hat),
                    mid(old),
                    factor(m_hat / (v_hat.sqrt() + eps)),
                    mid(new)
                )
            }
        }
    }
}
