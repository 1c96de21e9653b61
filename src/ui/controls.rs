//! The side panel: data, model and training settings. It edits settings and emits commands;
//! it never touches the worker or the models itself.

use super::network_builder::{BuilderState, builder_ui};
use super::params_panel::params_ui;
use super::state::{StudioCommand, StudioSettings};
use crate::data::csv_loader::{ColumnKind, ColumnReport, TaskOverride};
use crate::data::features::EngineeredFeature;
use crate::data::image_folder::IMAGE_PASS;
use crate::data::{BuiltinDataset, InputShape};
use crate::models::ModelKind;
use crate::models::network::OptimizerKind;
use crate::models::network::spec::DeviceChoice;

/// What the controls show but do not own.
pub struct ControlsContext<'a> {
    pub parameters: Option<usize>,
    /// The CSV file in use, if any.
    pub file_name: Option<&'a str>,
    pub file_columns: Option<&'a [ColumnReport]>,
    /// A file being loaded, and for how many seconds.
    pub loading: Option<Loading<'a>>,
    /// The data has exactly two plain features, so engineered features apply.
    pub two_d: bool,
    /// The data the model will see, for the network builder's shapes.
    pub data: &'a crate::data::Dataset,
    /// Points can be painted on the plot (2-D class data).
    pub paintable: bool,
    /// Presentation mode: advanced controls are hidden.
    pub presentation: bool,
    /// Controls a share link hid (names from `share::HIDEABLE`).
    pub hidden: &'a [String],
}

impl ControlsContext<'_> {
    /// False for a control a share link hid.
    fn shows(&self, control: &str) -> bool {
        !self.hidden.iter().any(|h| h == control)
    }
}

/// A file being loaded in the background.
pub struct Loading<'a> {
    pub name: &'a str,
    pub seconds: f32,
    /// Share of the current pass done, once the file is in memory.
    pub fraction: Option<f32>,
    /// 2 while a second pass reads the text columns.
    pub pass: u32,
}

/// Draws the controls; returns what the user asked for this frame.
pub fn controls_ui(
    ui: &mut egui::Ui,
    settings: &mut StudioSettings,
    context: &ControlsContext<'_>,
    builder: &mut BuilderState,
) -> Vec<StudioCommand> {
    let mut commands = Vec::new();

    data_source_ui(ui, settings, context, &mut commands);
    csv_options_ui(ui, settings, context, &mut commands);
    let data_changed = generator_ui(ui, settings, context);
    paint_and_features_ui(ui, settings, context, &mut commands);
    let model_changed = model_kind_ui(ui, settings, context)
        | network_ui(ui, settings, context, &mut commands, builder)
        | advanced_network_ui(ui, settings, context);
    if let Some(parameters) = context.parameters {
        ui.label(format!("Parameters: {parameters}")).on_hover_text(
            "How many numbers the model learns. Networks usually need many more than classical models.",
        );
    }

    if data_changed {
        commands.push(StudioCommand::RegenerateData);
    } else if model_changed {
        // The same start, so only the changed setting differs between the two runs.
        commands.push(StudioCommand::Restart);
    }
    if (data_changed || model_changed) && !settings.model.kind.is_network() {
        // Classical fits are quick: refit at once, in the background, as a student expects.
        commands.push(StudioCommand::TogglePlay);
    }
    commands
}

/// Which data: a built-in set or a file, and a file's loading progress.
fn data_source_ui(
    ui: &mut egui::Ui,
    settings: &mut StudioSettings,
    context: &ControlsContext<'_>,
    commands: &mut Vec<StudioCommand>,
) {
    ui.heading("Data");
    if !context.shows("data") {
        ui.label(
            context.file_name.map_or_else(|| settings.dataset.name().to_string(), |f| format!("file: {f}")),
        );
        return;
    }
    let selected =
        context.file_name.map_or_else(|| settings.dataset.name().to_string(), |f| format!("file: {f}"));
    egui::ComboBox::from_label("Data set")
        .selected_text(selected)
        .show_ui(ui, |ui| {
            for dataset in BuiltinDataset::ALL {
                let chosen = context.file_name.is_none() && settings.dataset == dataset;
                if ui.selectable_label(chosen, dataset.name()).on_hover_text(dataset.description()).clicked()
                {
                    settings.dataset = dataset;
                    commands.push(StudioCommand::UseBuiltin);
                }
            }
        })
        .response
        .on_hover_text("Which points to learn from. Each built-in set shows a different shape of problem.");
    ui.horizontal(|ui| {
        if ui
            .button("Open CSV…")
            .on_hover_text("Load your own table. You can also drag a CSV file onto the window.")
            .clicked()
        {
            commands.push(StudioCommand::OpenFileDialog);
        }
        if crate::ui::platform::HAS_FILE_SYSTEM
            && ui
                .button("Open folder…")
                .on_hover_text(
                    "Load a folder of images: one subfolder per class, PNG or JPEG of any size. \
                     You can also drag the folder onto the window.",
                )
                .clicked()
        {
            commands.push(StudioCommand::OpenFolderDialog);
        }
        if context.file_name.is_some() && ui.button("Back to built-in").clicked() {
            commands.push(StudioCommand::UseBuiltin);
        }
    });
    if let Some(loading) = &context.loading {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label(format!("Loading {}… {:.1} s", loading.name, loading.seconds));
            if ui.button("Cancel").on_hover_text("Stop loading this file; the current data stays.").clicked()
            {
                commands.push(StudioCommand::CancelLoad);
            }
        });
        if let Some(fraction) = loading.fraction {
            let what = match loading.pass {
                IMAGE_PASS => "reading images",
                2 => "reading text columns",
                _ => "reading numbers",
            };
            ui.add(
                egui::ProgressBar::new(fraction)
                    .show_percentage()
                    .text(format!("{what}: {:.0}%", fraction * 100.0)),
            );
        }
    }
}

/// How the file's rows are read: a vector, or (when the column count allows) an image or a
/// sequence, with the layout the column names suggest marked.
fn layout_ui(
    ui: &mut egui::Ui,
    settings: &StudioSettings,
    context: &ControlsContext<'_>,
    commands: &mut Vec<StudioCommand>,
) {
    let names = &context.data.feature_names;
    let suggested = InputShape::suggested(names);
    let current = context.data.input_shape;
    let label = |shape: InputShape| {
        if Some(shape) == suggested && shape != current {
            format!("{} (suggested)", shape.describe())
        } else {
            shape.describe()
        }
    };
    ui.horizontal(|ui| {
        egui::ComboBox::from_label("Read rows as")
            .selected_text(current.describe())
            .show_ui(ui, |ui| {
                for shape in InputShape::choices(names) {
                    if ui.selectable_label(shape == current, label(shape)).clicked() && shape != current {
                        commands.push(StudioCommand::ReadRowsAs(shape));
                    }
                }
            })
            .response
            .on_hover_text(
                "A table row can be a picture (pixels row by row) or a series over time. Read as \
                 an image, conv2d layers can look at it; read as a sequence, conv1d and recurrent layers can.",
            );
        if let Some(shape) = suggested.filter(|s| *s != current && settings.csv_layout == current) {
            let hint = match shape {
                InputShape::Image { .. } => "The columns look like pixels.",
                _ => "The columns look like time steps.",
            };
            if ui.button(format!("Read as {}", shape.describe())).on_hover_text(hint).clicked() {
                commands.push(StudioCommand::ReadRowsAs(shape));
            }
        }
    });
}

/// A file's target column, its task and what to do with missing cells.
fn csv_options_ui(
    ui: &mut egui::Ui,
    settings: &mut StudioSettings,
    context: &ControlsContext<'_>,
    commands: &mut Vec<StudioCommand>,
) {
    if let Some(columns) = context.file_columns.filter(|c| !c.is_empty()) {
        let current = settings.csv_target.clone().unwrap_or_default();
        egui::ComboBox::from_label("Target column")
            .selected_text(&current)
            .show_ui(ui, |ui| {
                for column in columns.iter().filter(|c| c.kind != ColumnKind::Text) {
                    if ui.selectable_label(column.name == current, &column.name).clicked()
                        && column.name != current
                    {
                        settings.csv_target = Some(column.name.clone());
                        // A new target is read afresh: classes or a quantity, as its values say.
                        settings.csv_task = None;
                        commands.push(StudioCommand::ReloadCsv);
                    }
                }
            })
            .response
            .on_hover_text("The column the model should learn to predict. All other columns become inputs.");
        let task_before = settings.csv_task;
        ui.horizontal(|ui| {
            ui.label("Predict:").on_hover_text(
                "Classification sorts rows into classes; regression predicts a quantity. \
                 Learnscope guesses from the target's values: words, or a few whole numbers, are classes.",
            );
            let guessed = match context.data.task() {
                crate::data::Task::Classification => "auto (classes)",
                crate::data::Task::Regression => "auto (a number)",
            };
            let guessed = if settings.csv_task.is_none() { guessed } else { "auto" };
            ui.radio_value(&mut settings.csv_task, None, guessed)
                .on_hover_text("Let the target's values decide.");
            ui.radio_value(&mut settings.csv_task, Some(TaskOverride::Classification), "classes")
                .on_hover_text(
                    "Every distinct value of the target is a class, even numbers such as ratings 1 to 5.",
                );
            ui.radio_value(&mut settings.csv_task, Some(TaskOverride::Regression), "a number")
                .on_hover_text("The target is a quantity: the model predicts a number and is scored by R².");
        });
        if task_before != settings.csv_task {
            commands.push(StudioCommand::ReloadCsv);
        }
        layout_ui(ui, settings, context, commands);
        let before = settings.impute_missing;
        ui.horizontal(|ui| {
            ui.label("Missing cells:");
            ui.radio_value(&mut settings.impute_missing, false, "drop rows").on_hover_text(
                "Rows with an empty or NA number are left out; the data view says how many. \
                     An empty or NA category is no category: all of that column's inputs are 0.",
            );
            ui.radio_value(&mut settings.impute_missing, true, "fill with mean").on_hover_text(
                "Empty or NA numeric cells get the average of the training rows when a model trains \
                 (the test rows never count), so no row is lost.",
            );
        });
        if before != settings.impute_missing {
            commands.push(StudioCommand::ReloadCsv);
        }
    }
}

/// Samples, noise and classes of generated data, the test share and a new draw.
/// Returns whether the change needs new data or a fresh model.
fn generator_ui(ui: &mut egui::Ui, settings: &mut StudioSettings, context: &ControlsContext<'_>) -> bool {
    let mut changed = false;
    // Samples and noise shape generated data only: a file or a shipped table has its own rows.
    let generated = context.file_name.is_none() && settings.dataset.is_generated();
    if generated && context.shows("samples") {
        changed |= ui
            .add(egui::Slider::new(&mut settings.generator.samples, 20..=2000).text("Samples"))
            .on_hover_text("How many points to generate. More data usually helps a model generalize.")
            .changed();
    }
    if generated && context.shows("noise") {
        changed |= ui
            .add(egui::Slider::new(&mut settings.generator.noise, 0.0..=0.6).text("Noise"))
            .on_hover_text("How much random jitter is added to each point. Noisy data is harder to separate.")
            .changed();
    }
    if generated && context.shows("samples") {
        if matches!(settings.dataset, BuiltinDataset::Blobs | BuiltinDataset::Spiral) {
            changed |= ui
                .add(egui::Slider::new(&mut settings.generator.classes, 2..=6).text("Classes"))
                .on_hover_text("How many classes (blobs or spiral arms) to generate.")
                .changed();
        }
    }
    if !context.presentation && context.shows("test_share") {
        changed |= ui
            .add(egui::Slider::new(&mut settings.test_fraction, 0.1..=0.5).text("Test share"))
            .on_hover_text(
                "The share of points hidden from training and used only to test the model. \
             A model that does well on training points but badly on test points has overfit.",
            )
            .changed();
    }
    // A file or a shipped table has fixed rows: only the split can be drawn again.
    let (label, tip) = if generated {
        ("Regenerate", "Draw new random points and a new train/test split with a new seed.")
    } else {
        ("New split", "Draw a new train/test split with a new seed: the same rows, shared out differently.")
    };
    if context.shows("regenerate") && ui.button(label).on_hover_text(tip).clicked() {
        settings.generator.seed = settings.generator.seed.wrapping_add(1);
        changed = true;
    }
    changed
}

/// Painting points and the engineered inputs of 2-D data.
fn paint_and_features_ui(
    ui: &mut egui::Ui,
    settings: &mut StudioSettings,
    context: &ControlsContext<'_>,
    commands: &mut Vec<StudioCommand>,
) {
    if context.paintable && context.shows("paint") {
        let names = context.data.class_names();
        let current = settings
            .paint_class
            .map_or("off".to_string(), |c| names.get(c as usize).cloned().unwrap_or_else(|| c.to_string()));
        egui::ComboBox::from_label("Paint points")
            .selected_text(current)
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut settings.paint_class, None, "off");
                for (class, name) in names.iter().enumerate() {
                    ui.selectable_value(&mut settings.paint_class, Some(class as u32), name);
                }
            })
            .response
            .on_hover_text(
                "Pick a class, then left-click the plot to add a point of it and right-click a point to erase it. \
                 Watch how the model reacts to each new point.",
            );
    }
    if context.two_d && context.shows("features") {
        ui.label("Extra inputs").on_hover_text(
            "Hand-made features computed from x and y. A straight-line model can draw curved boundaries \
             when it is given x² or r; a network can learn such features by itself.",
        );
        ui.horizontal_wrapped(|ui| {
            for feature in EngineeredFeature::ALL {
                let mut on = settings.features.contains(&feature);
                if ui.checkbox(&mut on, feature.label()).changed() {
                    if on {
                        settings.features.push(feature);
                    } else {
                        settings.features.retain(|f| *f != feature);
                    }
                    commands.push(StudioCommand::ApplyFeatures);
                    if !settings.model.kind.is_network() {
                        commands.push(StudioCommand::TogglePlay);
                    }
                }
            }
        });
    }
}

/// The model kind and a classical model's hyper-parameters.
/// Returns whether the change needs new data or a fresh model.
fn model_kind_ui(ui: &mut egui::Ui, settings: &mut StudioSettings, context: &ControlsContext<'_>) -> bool {
    let mut changed = false;
    ui.separator();
    ui.heading("Model");
    if !context.shows("model") {
        ui.label(settings.model.kind.label());
    } else {
        egui::ComboBox::from_label("Model kind")
        .selected_text(settings.model.kind.label())
        .height(480.0)
        .show_ui(ui, |ui| {
            ui.label(egui::RichText::new("Classical").weak());
            for kind in ModelKind::ALL.into_iter().filter(|k| !k.is_network()) {
                changed |= ui.selectable_value(&mut settings.model.kind, kind, kind.label()).changed();
            }
            ui.separator();
            ui.label(egui::RichText::new("Neural network").weak());
            for kind in ModelKind::ALL.into_iter().filter(|k| k.is_network()) {
                changed |= ui.selectable_value(&mut settings.model.kind, kind, kind.label()).changed();
            }
        })
        .response
        .on_hover_text(
            "Classical models fit a fixed recipe (a line, a tree, a margin, neighbours) to the data, usually in one shot. \
             A neural network learns its own features, layer by layer, by gradient descent.",
        );
        if changed {
            // Another kind: only the settings it knows carry over (a tree's depth means nothing to kNN).
            let kind = settings.model.kind;
            settings.model.params.retain(|key, _| kind.params().iter().any(|p| p.key == key.as_str()));
        }
    }
    if !settings.model.kind.is_network() && context.shows("params") {
        let change = params_ui(ui, settings.model.kind, &mut settings.model.params);
        if change.committed {
            changed = true;
        }
    }
    changed
}

/// The network builder and the learning rate.
/// Returns whether the change needs new data or a fresh model.
fn network_ui(
    ui: &mut egui::Ui,
    settings: &mut StudioSettings,
    context: &ControlsContext<'_>,
    commands: &mut Vec<StudioCommand>,
    builder: &mut BuilderState,
) -> bool {
    let mut changed = false;
    if settings.model.kind.is_network() {
        let spec = settings.model.network.get_or_insert_with(|| {
            // As the model factory builds it: images and sequences are flattened first.
            let mut spec = crate::models::network::NetworkSpec::mlp(
                &settings.model.hidden_layers,
                settings.model.activation,
            );
            if context.data.input_shape != InputShape::Vector {
                spec.layers.insert(0, crate::models::network::LayerSpec::Flatten);
            }
            spec
        });
        if context.shows("layers") {
            ui.label("Layers").on_hover_text(
                "Stack layers from the input (top) to the output (added for you). Each row shows the shape it \
                 hands on and how many numbers it learns.",
            );
            changed |= builder_ui(ui, spec, context.data, builder);
        } else {
            ui.label(format!("Network: {spec}"));
        }
    }
    if settings.model.kind.is_network() && context.shows("learning_rate") {
        let lr = ui
            .add(
                egui::Slider::new(&mut settings.model.learning_rate, 0.0001..=1.0)
                    .logarithmic(true)
                    .text("Learning rate"),
            )
            .on_hover_text(
                "How big a step gradient descent takes. Too small: slow progress. Too large: the loss jumps around or explodes.",
            );
        if lr.changed() {
            commands.push(StudioCommand::SetLearningRate(settings.model.learning_rate));
        }
    }
    changed
}

/// Batch size, regularization, initial weights, optimizer and device.
/// Returns whether the change needs new data or a fresh model.
fn advanced_network_ui(
    ui: &mut egui::Ui,
    settings: &mut StudioSettings,
    context: &ControlsContext<'_>,
) -> bool {
    let mut changed = false;
    if settings.model.kind.is_network() && !context.presentation && context.shows("advanced") {
        changed |= ui
            .add(
                egui::Slider::new(&mut settings.model.batch_size, 1..=256)
                    .logarithmic(true)
                    .text("Batch size"),
            )
            .on_hover_text("How many points each gradient step looks at. Small batches are noisy but quick.")
            .changed();
        if let Some(spec) = settings.model.network.as_mut() {
            let options = &mut spec.options;
            changed |= ui
                .add(
                    egui::Slider::new(&mut options.l2, 0.0..=0.1)
                        .logarithmic(true)
                        .smallest_positive(1e-5)
                        .text("L2 regularization"),
                )
                .on_hover_text(
                    "Regularization punishes large weights (L2: the sum of squared weights), \
                     so the network prefers simpler, smoother boundaries and overfits less. 0 turns it off.",
                )
                .changed();
            changed |= ui
                .add(
                    egui::Slider::new(&mut options.l1, 0.0..=0.1)
                        .logarithmic(true)
                        .smallest_positive(1e-5)
                        .text("L1 regularization"),
                )
                .on_hover_text(
                    "L1 punishes the sum of absolute weights: it pushes many weights to exactly zero, \
                     keeping only the connections that matter.",
                )
                .changed();
            egui::ComboBox::from_label("Initial weights")
                .selected_text(options.init.name())
                .show_ui(ui, |ui| {
                    for init in crate::models::network::spec::WeightInit::ALL {
                        changed |= ui.selectable_value(&mut options.init, init, init.name()).changed();
                    }
                })
                .response
                .on_hover_text(
                    "How the weights start before training. Glorot suits tanh and sigmoid, He suits ReLU; \
                     'normal' ignores the layer size, which can make deep networks stall; 'fan-in' is \
                     PyTorch's default (biases too). Auto picks per layer.",
                );
        }
        egui::ComboBox::from_label("Optimizer")
            .selected_text(settings.model.optimizer.name())
            .show_ui(ui, |ui| {
                for optimizer in OptimizerKind::ALL {
                    changed |=
                        ui.selectable_value(&mut settings.model.optimizer, optimizer, optimizer.name()).changed();
                }
            })
            .response
            .on_hover_text(
                "How gradients become weight updates: plain SGD, SGD with momentum (keeps rolling), Adam and AdamW (adapt the step per weight).",
            );
        if let Some(spec) = settings.model.network.as_mut() {
            let device = &mut spec.options.device;
            egui::ComboBox::from_label("Device")
                .selected_text(device.name())
                .show_ui(ui, |ui| {
                    for choice in [DeviceChoice::Cpu, DeviceChoice::Cuda] {
                        changed |= ui.selectable_value(device, choice, choice.name()).changed();
                    }
                })
                .response
                .on_hover_text(
                    "Where the network trains: the CPU always works; a CUDA GPU is faster on big networks.",
                );
            // Both a build without CUDA and a CUDA build on a machine without a usable GPU.
            if *device == DeviceChoice::Cuda
                && let Some(reason) = crate::models::network::device::cuda_unavailable_reason()
            {
                ui.colored_label(ui.visuals().warn_fg_color, reason);
            }
        }
    }
    changed
}
