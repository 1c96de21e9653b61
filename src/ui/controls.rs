//! The side panel: data, model and training settings. It edits settings and emits commands;
//! it never touches the worker or the models itself.

use super::app::{StudioCommand, StudioSettings};
use crate::data::BuiltinDataset;
use crate::models::ModelKind;
use crate::network::{Activation, OptimizerKind};

/// Draws the controls; returns what the user asked for this frame.
pub fn controls_ui(
    ui: &mut egui::Ui,
    settings: &mut StudioSettings,
    parameters: Option<usize>,
) -> Vec<StudioCommand> {
    let mut commands = Vec::new();
    let mut data_changed = false;
    let mut model_changed = false;

    ui.heading("Data");
    egui::ComboBox::from_label("Data set")
        .selected_text(settings.dataset.name())
        .show_ui(ui, |ui| {
            for dataset in BuiltinDataset::ALL {
                data_changed |= ui
                    .selectable_value(&mut settings.dataset, dataset, dataset.name())
                    .on_hover_text(dataset.description())
                    .changed();
            }
        })
        .response
        .on_hover_text("Which points to learn from. Each built-in set shows a different shape of problem.");
    data_changed |= ui
        .add(egui::Slider::new(&mut settings.generator.samples, 20..=2000).text("Samples"))
        .on_hover_text("How many points to generate. More data usually helps a model generalize.")
        .changed();
    data_changed |= ui
        .add(egui::Slider::new(&mut settings.generator.noise, 0.0..=0.6).text("Noise"))
        .on_hover_text("How much random jitter is added to each point. Noisy data is harder to separate.")
        .changed();
    if matches!(settings.dataset, BuiltinDataset::Blobs | BuiltinDataset::Spiral) {
        data_changed |= ui
            .add(egui::Slider::new(&mut settings.generator.classes, 2..=6).text("Classes"))
            .on_hover_text("How many classes (blobs or spiral arms) to generate.")
            .changed();
    }
    data_changed |= ui
        .add(egui::Slider::new(&mut settings.test_fraction, 0.1..=0.5).text("Test share"))
        .on_hover_text(
            "The share of points hidden from training and used only to test the model. \
             A model that does well on training points but badly on test points has overfit.",
        )
        .changed();
    if ui.button("Regenerate").on_hover_text("Draw new random points with a new seed.").clicked() {
        settings.generator.seed = settings.generator.seed.wrapping_add(1);
        data_changed = true;
    }

    ui.separator();
    ui.heading("Model");
    egui::ComboBox::from_label("Model")
        .selected_text(settings.model.kind.label())
        .show_ui(ui, |ui| {
            for kind in ModelKind::ALL {
                model_changed |= ui.selectable_value(&mut settings.model.kind, kind, kind.label()).changed();
            }
        })
        .response
        .on_hover_text(
            "Classical models (logistic and linear regression) fit in one shot with a formula-like rule. \
             A neural network learns its own features, layer by layer, by gradient descent.",
        );

    if settings.model.kind.is_network() {
        ui.horizontal(|ui| {
            ui.label("Hidden layers");
            let response = ui.text_edit_singleline(&mut settings.layers_text).on_hover_text(
                "Units per hidden layer, separated by commas, e.g. 8,8. Leave empty for none.",
            );
            if response.changed() {
                model_changed = true;
            }
        });
        match settings.parsed_layers() {
            Ok(layers) => settings.model.hidden_layers = layers,
            Err(message) => {
                ui.colored_label(ui.visuals().error_fg_color, message);
            }
        }
        egui::ComboBox::from_label("Activation")
            .selected_text(settings.model.activation.name())
            .show_ui(ui, |ui| {
                for activation in Activation::ALL {
                    model_changed |=
                        ui.selectable_value(&mut settings.model.activation, activation, activation.name()).changed();
                }
            })
            .response
            .on_hover_text(
                "The bend each hidden unit applies to its input. Without it, stacked layers could only draw straight lines.",
            );
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
        model_changed |= ui
            .add(
                egui::Slider::new(&mut settings.model.batch_size, 1..=256)
                    .logarithmic(true)
                    .text("Batch size"),
            )
            .on_hover_text("How many points each gradient step looks at. Small batches are noisy but quick.")
            .changed();
        egui::ComboBox::from_label("Optimizer")
            .selected_text(settings.model.optimizer.name())
            .show_ui(ui, |ui| {
                for optimizer in OptimizerKind::ALL {
                    model_changed |=
                        ui.selectable_value(&mut settings.model.optimizer, optimizer, optimizer.name()).changed();
                }
            })
            .response
            .on_hover_text(
                "How gradients become weight updates: plain SGD, SGD with momentum (keeps rolling), Adam and AdamW (adapt the step per weight).",
            );
    }
    if let Some(parameters) = parameters {
        ui.label(format!("Parameters: {parameters}")).on_hover_text(
            "How many numbers the model learns. Networks usually need many more than classical models.",
        );
    }

    if data_changed {
        commands.push(StudioCommand::RegenerateData);
    } else if model_changed {
        commands.push(StudioCommand::Reset);
    }
    commands
}
