//! Hyper-parameter controls drawn from each model kind's declared `ParamSpec`s.

use std::collections::BTreeMap;

use crate::models::ModelKind;
use crate::models::params::{ParamKind, ParamValue};

/// What happened to the parameters this frame.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ParamsChange {
    /// A value changed (possibly still being dragged).
    pub edited: bool,
    /// The user let go: time to retrain.
    pub committed: bool,
}

pub fn params_ui(
    ui: &mut egui::Ui,
    kind: ModelKind,
    params: &mut BTreeMap<String, ParamValue>,
) -> ParamsChange {
    let mut change = ParamsChange::default();
    for spec in kind.params() {
        let current = params.get(spec.key).cloned().unwrap_or_else(|| spec.default.value());
        let (response, new_value) = match spec.kind {
            ParamKind::Float { min, max, log } => {
                let mut v = match current {
                    ParamValue::Float(v) => v,
                    ParamValue::Int(v) => v as f64,
                    ParamValue::Choice(_) => min,
                };
                let response = ui.add(egui::Slider::new(&mut v, min..=max).logarithmic(log).text(spec.label));
                (response, ParamValue::Float(v))
            }
            ParamKind::Int { min, max } => {
                let mut v = match current {
                    ParamValue::Int(v) => v,
                    ParamValue::Float(v) => v.round() as i64,
                    ParamValue::Choice(_) => min,
                };
                let log = max - min > 200;
                let mut slider = egui::Slider::new(&mut v, min..=max).logarithmic(log).text(spec.label);
                if spec.key == "max_depth" {
                    // 0 is scikit-learn's None: the tree grows until its leaves are pure.
                    slider = slider
                        .custom_formatter(|v, _| if v == 0.0 { "no limit".into() } else { format!("{v:.0}") })
                        .custom_parser(|text| {
                            if text.trim() == "no limit" { Some(0.0) } else { text.trim().parse().ok() }
                        });
                }
                let response = ui.add(slider);
                (response, ParamValue::Int(v))
            }
            ParamKind::Choice(choices) => {
                let mut chosen = match &current {
                    ParamValue::Choice(c) => c.clone(),
                    other => other.to_string(),
                };
                let inner =
                    egui::ComboBox::from_label(spec.label).selected_text(chosen.clone()).show_ui(ui, |ui| {
                        let mut picked = false;
                        for choice in choices {
                            picked |= ui.selectable_value(&mut chosen, choice.to_string(), *choice).clicked();
                        }
                        picked
                    });
                let mut response = inner.response;
                if inner.inner == Some(true) {
                    response.mark_changed();
                }
                (response, ParamValue::Choice(chosen))
            }
        };
        let response = response.on_hover_text(spec.help);
        if response.changed() {
            params.insert(spec.key.to_string(), new_value);
            change.edited = true;
            if !response.dragged() {
                change.committed = true;
            }
        }
        if response.drag_stopped() {
            change.committed = true;
        }
    }
    if !kind.params().is_empty()
        && ui.small_button("Defaults").on_hover_text("Put every setting back to its default.").clicked()
    {
        params.clear();
        change = ParamsChange { edited: true, committed: true };
    }
    change
}
