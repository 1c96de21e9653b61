//! The network builder: layers as an editable list and as compact text, kept in sync, with each
//! layer's output shape and parameter count, and the refusal of impossible stacks named inline.

use crate::data::Dataset;
use crate::models::network::shapes::{OutputHead, Shape, ShapeReport, infer};
use crate::models::network::spec::{RecurrentKind, presets};
use crate::models::network::{Activation, LayerSpec, NetworkSpec};

/// Layers a student can add, with the settings each starts with.
const NEW_LAYERS: [(&str, LayerSpec); 16] = [
    ("dense", LayerSpec::Dense { units: 8 }),
    ("relu", LayerSpec::Activation(Activation::Relu)),
    ("tanh", LayerSpec::Activation(Activation::Tanh)),
    ("sigmoid", LayerSpec::Activation(Activation::Sigmoid)),
    ("conv2d", LayerSpec::Conv2d { filters: 8, kernel: 3, stride: 1, padding: 1 }),
    ("maxpool", LayerSpec::MaxPool { size: 2 }),
    ("avgpool", LayerSpec::AvgPool { size: 2 }),
    ("conv1d", LayerSpec::Conv1d { filters: 8, kernel: 5, stride: 1, padding: 2 }),
    ("maxpool1d", LayerSpec::MaxPool1d { size: 2 }),
    ("avgpool1d", LayerSpec::AvgPool1d { size: 2 }),
    ("flatten", LayerSpec::Flatten),
    ("rnn", LayerSpec::Recurrent { cell: RecurrentKind::Rnn, hidden: 16 }),
    ("lstm", LayerSpec::Recurrent { cell: RecurrentKind::Lstm, hidden: 16 }),
    ("gru", LayerSpec::Recurrent { cell: RecurrentKind::Gru, hidden: 16 }),
    ("batchnorm", LayerSpec::BatchNorm),
    ("dropout", LayerSpec::Dropout { p: 0.2 }),
];

/// Text-box state that outlives a frame: what the user typed, and why it does not parse.
#[derive(Default)]
pub struct BuilderState {
    text: String,
    text_error: Option<String>,
    /// The spec the text was last synced from.
    synced: Option<NetworkSpec>,
}

/// What the network looks like on this data: shapes per layer, or where it breaks.
pub fn shape_report(spec: &NetworkSpec, data: &Dataset) -> Result<ShapeReport, String> {
    let input = Shape::from_input(data.input_shape, data.n_features()).map_err(|e| e.to_string())?;
    let head = OutputHead::for_task(data.task(), data.class_count());
    infer(spec, input, head).map_err(|e| e.to_string())
}

/// Draws the builder; returns true when the spec changed (the model must be rebuilt).
pub fn builder_ui(
    ui: &mut egui::Ui,
    spec: &mut NetworkSpec,
    data: &Dataset,
    state: &mut BuilderState,
) -> bool {
    let mut changed = false;
    ui.horizontal(|ui| {
        ui.menu_button("Presets", |ui| {
            for (name, text) in presets::ALL {
                if ui.button(name).clicked()
                    && let Ok(preset) = NetworkSpec::parse(text)
                {
                    spec.layers = preset.layers;
                    changed = true;
                    ui.close();
                }
            }
        })
        .response
        .on_hover_text(
            "Ready-made networks: the TF Playground MLP, a small CNN for digits, an LSTM for waveforms.",
        );
        ui.menu_button("Add layer", |ui| {
            for (name, layer) in NEW_LAYERS {
                if ui.button(name).on_hover_text(layer_help(name)).clicked() {
                    spec.layers.push(layer.clone());
                    changed = true;
                    ui.close();
                }
            }
        })
        .response
        .on_hover_text("Append a layer at the end (the output layer is always added for you).");
    });

    // The compact text form, editable; a parse error leaves the list as it was.
    if state.synced.as_ref() != Some(spec) {
        state.text = spec.to_string();
        state.text_error = None;
        state.synced = Some(spec.clone());
    }
    let response = ui
        .add(egui::TextEdit::singleline(&mut state.text).hint_text("dense(8) tanh dense(8) tanh").desired_width(f32::INFINITY))
        .on_hover_text("The same network as text: layers separated by spaces, e.g. conv2d(8,3) relu maxpool(2) flatten dense(32) relu");
    if response.changed() {
        match NetworkSpec::parse(&state.text) {
            Ok(parsed) => {
                state.text_error = None;
                if parsed.layers != spec.layers {
                    spec.layers = parsed.layers;
                    state.synced = Some(spec.clone());
                    changed = true;
                }
            }
            Err(e) => state.text_error = Some(e.to_string()),
        }
    }
    if let Some(error) = &state.text_error {
        ui.colored_label(ui.visuals().error_fg_color, error);
    }

    let report = shape_report(spec, data);
    let (rows, failure) = match &report {
        Ok(report) => (report.layers.clone(), None),
        Err(message) => (Vec::new(), Some(message.clone())),
    };
    let input =
        Shape::from_input(data.input_shape, data.n_features()).map(|s| s.compact()).unwrap_or_default();
    ui.label(format!("input {input}"));
    let mut action = None;
    // Two lines per layer (its settings, then its shape and the edit buttons) so the list fits
    // the side panel even for a conv2d with four settings.
    egui::Grid::new("network_layers").striped(true).num_columns(2).show(ui, |ui| {
        for (index, layer) in spec.layers.iter_mut().enumerate() {
            ui.label(format!("{}", index + 1));
            ui.vertical(|ui| {
                changed |= layer_settings_ui(ui, index, layer);
                ui.horizontal(|ui| {
                    if let Some(row) = rows.get(index) {
                        ui.label(format!("-> {} · {} params", row.output.compact(), row.parameters))
                            .on_hover_text("The shape this layer hands on, and how many numbers it learns.");
                    }
                    if ui.small_button("^").on_hover_text("Move this layer up").clicked() && index > 0 {
                        action = Some(LayerAction::Swap(index - 1, index));
                    }
                    if ui.small_button("v").on_hover_text("Move this layer down").clicked() {
                        action = Some(LayerAction::Swap(index, index + 1));
                    }
                    if ui.small_button("+").on_hover_text("Insert a copy of this layer below it").clicked() {
                        action = Some(LayerAction::Duplicate(index));
                    }
                    if ui.small_button("del").on_hover_text("Remove this layer").clicked() {
                        action = Some(LayerAction::Remove(index));
                    }
                });
            });
            ui.end_row();
        }
    });
    if let Some(action) = action {
        let n = spec.layers.len();
        match action {
            LayerAction::Swap(a, b) if b < n => spec.layers.swap(a, b),
            LayerAction::Duplicate(i) => {
                let copy = spec.layers[i].clone();
                spec.layers.insert(i + 1, copy);
            }
            LayerAction::Remove(i) => {
                spec.layers.remove(i);
            }
            LayerAction::Swap(..) => {}
        }
        changed = true;
    }
    match (&report, failure) {
        (Ok(report), _) => {
            ui.label(format!("{}  -> {}", report.head.describe(), report.output.output.compact()));
            ui.strong(format!("{} parameters in all", report.total_parameters));
        }
        (Err(_), Some(message)) => {
            ui.colored_label(ui.visuals().error_fg_color, message);
        }
        _ => {}
    }
    changed
}

enum LayerAction {
    Swap(usize, usize),
    Duplicate(usize),
    Remove(usize),
}

/// What a layer kind does, in a student's words.
pub fn layer_help(kind: &str) -> &'static str {
    match kind {
        "dense" => "Dense: every output unit looks at every input and adds them up with its own weights.",
        "conv2d" => {
            "Convolution: small filters slide over the image and light up where their pattern appears (edges, strokes)."
        }
        "maxpool" => {
            "Max pooling: keeps the strongest value of each window, so the image shrinks and small shifts matter less."
        }
        "avgpool" => "Average pooling: keeps the mean of each window, a softer way to shrink the image.",
        "conv1d" => {
            "1-D convolution: small filters slide along the sequence and light up where their shape appears (a bump, a rise), wherever it is."
        }
        "maxpool1d" => {
            "Max pooling over time: keeps the strongest value of each run of steps, so the sequence shrinks and small shifts matter less."
        }
        "avgpool1d" => "Average pooling over time: keeps the mean of each run of steps.",
        "flatten" => "Flatten: lays an image's values out in one long row so dense layers can read them.",
        "rnn" => {
            "Recurrent layer: reads a sequence step by step, carrying a memory from one step to the next."
        }
        "lstm" => {
            "LSTM: a recurrent layer with gates that decide what to remember and what to forget, good for long sequences."
        }
        "gru" => "GRU: a simpler gated recurrent layer, often as good as an LSTM with fewer weights.",
        "batchnorm" => {
            "Batch normalization: rescales each unit's values over the batch to mean 0 and spread 1, so deep networks train faster and more steadily."
        }
        "dropout" => {
            "Dropout: switches off a random share of units while training, so the network cannot rely on any single one (less overfitting)."
        }
        "relu" => {
            "ReLU: keeps positive values, sets negative ones to 0. Fast and the usual choice; a unit that is always negative 'dies'."
        }
        "leaky_relu" => {
            "Leaky ReLU: like ReLU but lets a little of the negative values through, so units do not die."
        }
        "tanh" => "Tanh: squashes values into -1..1, smooth and centred on 0.",
        "sigmoid" => {
            "Sigmoid: squashes values into 0..1. Deep stacks of it learn slowly (vanishing gradients)."
        }
        "gelu" => "GELU: a smooth ReLU used in modern transformer networks.",
        _ => "A layer of the network.",
    }
}

/// The layer's kind and its own settings as small drag values.
fn layer_settings_ui(ui: &mut egui::Ui, index: usize, layer: &mut LayerSpec) -> bool {
    let mut changed = false;
    ui.horizontal(|ui| {
        if !matches!(layer, LayerSpec::Activation(_)) {
            let kind = layer.kind_name();
            ui.label(kind).on_hover_text(layer_help(kind));
        }
        let mut drag = |ui: &mut egui::Ui, value: &mut usize, range: std::ops::RangeInclusive<usize>, hint: &str| {
            changed |= ui.add(egui::DragValue::new(value).range(range)).on_hover_text(hint).changed();
        };
        match layer {
            LayerSpec::Dense { units } => drag(ui, units, 1..=1024, "Units: how many outputs this layer computes."),
            LayerSpec::Conv2d { filters, kernel, stride, padding } => {
                drag(ui, filters, 1..=256, "Filters: how many patterns this layer looks for.");
                drag(ui, kernel, 1..=7, "Kernel: the size of the square window each filter slides.");
                drag(ui, stride, 1..=4, "Stride: how far the window moves each step.");
                drag(ui, padding, 0..=3, "Padding: zeros added around the image so edges are seen too.");
            }
            LayerSpec::MaxPool { size } | LayerSpec::AvgPool { size } => {
                drag(ui, size, 1..=4, "Pool size: each window of this size becomes one value.")
            }
            LayerSpec::Conv1d { filters, kernel, stride, padding } => {
                drag(ui, filters, 1..=256, "Filters: how many patterns this layer looks for along the sequence.");
                drag(ui, kernel, 1..=15, "Kernel: how many time steps each filter sees at once.");
                drag(ui, stride, 1..=4, "Stride: how many steps the window moves each time.");
                drag(ui, padding, 0..=7, "Padding: zero steps added at both ends so the edges are seen too.");
            }
            LayerSpec::MaxPool1d { size } | LayerSpec::AvgPool1d { size } => {
                drag(ui, size, 1..=8, "Pool size: each run of this many steps becomes one value.")
            }
            LayerSpec::Recurrent { hidden, .. } => {
                drag(ui, hidden, 1..=256, "Hidden units: the size of the memory carried from step to step.")
            }
            LayerSpec::Dropout { p } => {
                changed |= ui
                    .add(egui::DragValue::new(p).range(0.0..=0.9).speed(0.01))
                    .on_hover_text("Dropout: the share of units switched off at random while training, so the network cannot lean on any one of them.")
                    .changed();
            }
            LayerSpec::Activation(activation) => {
                egui::ComboBox::new(("activation", index), "activation")
                    .selected_text(activation.name())
                    .show_ui(ui, |ui| {
                        for a in Activation::ALL {
                            changed |=
                                ui.selectable_value(activation, a, a.name()).on_hover_text(layer_help(a.name())).changed();
                        }
                    })
                    .response
                    .on_hover_text(
                        "An activation bends each unit's output. Without one, any stack of layers is still a straight line.",
                    );
            }
            LayerSpec::Flatten | LayerSpec::BatchNorm => {}
        }
    });
    changed
}
