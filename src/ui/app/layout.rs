//! Drawing the studio: the toolbar, the controls panel, the central model and data views and the
//! side view. Clicks become `StudioCommand`s; nothing here changes the model or the data.

use std::sync::Arc;

use super::StudioApp;
use crate::data::Dataset;
use crate::models::insight::ModelInsight;
use crate::training::ExplainTarget;
use crate::ui::boundary::PlotPointer;
use crate::ui::controls::{ControlsContext, Loading, controls_ui};
use crate::ui::data_view;
use crate::ui::export;
use crate::ui::insight_view::InsightContext;
use crate::ui::network_view::NetworkViewContext;
use crate::ui::representations_view::RepresentationsContext;
use crate::ui::state::{CentralTab, PACES, RunStatus, SideView, StepperCommand, StudioCommand};

impl StudioApp {
    /// How fast Play trains, and which starting weights Reset gives.
    fn pace_and_start_ui(&mut self, ui: &mut egui::Ui) {
        let name = |pace: Option<u32>| match pace {
            None => "fastest".to_string(),
            Some(1) => "1 epoch/s".to_string(),
            Some(p) => format!("{p} epochs/s"),
        };
        let mut pace = self.settings.pace;
        egui::ComboBox::from_label("Speed")
            .selected_text(name(pace))
            .width(96.0)
            .show_ui(ui, |ui| {
                for option in PACES {
                    ui.selectable_value(&mut pace, option, name(option));
                }
            })
            .response
            .on_hover_text(
                "Speed: how many epochs a second Play trains. Slow, the class sees the boundary bend into \
                 place; fastest trains as fast as the computer can.",
            );
        if pace != self.settings.pace {
            self.commands.push(StudioCommand::SetPace(pace));
        }
        let mut seed = self.settings.weights_seed;
        let response = ui.add(egui::DragValue::new(&mut seed).prefix("start #").speed(0.2)).on_hover_text(
            "Which random starting weights the model gets. Reset moves to the next start, so \
                 students can see how much the start matters; type a number to go back to one.",
        );
        if response.changed() && seed != self.settings.weights_seed {
            self.commands.push(StudioCommand::SetWeightsSeed(seed));
        }
        ui.checkbox(&mut self.settings.same_start, "same start").on_hover_text(
            "Keep this start on Reset, so a run can be repeated exactly (same data, same weights).",
        );
    }

    pub(super) fn toolbar_ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            let playing = self.run.status == RunStatus::Running;
            let can_train =
                matches!(self.run.status, RunStatus::Ready | RunStatus::Paused | RunStatus::Running);
            let label = if playing { "Pause" } else { "Play" };
            if ui
                .add_enabled(can_train, egui::Button::new(label).min_size(egui::vec2(64.0, 0.0)))
                .on_hover_text("Start or pause training (space bar).")
                .clicked()
            {
                self.commands.push(StudioCommand::TogglePlay);
            }
            let by_batch = self.settings.step_by_batch && self.settings.model.kind.is_network();
            let step_hint = if by_batch {
                "Take exactly one gradient step on one mini-batch of training points (batch size in the model settings)."
            } else {
                "Train exactly one epoch: one pass over the training points."
            };
            if ui.add_enabled(can_train && !playing, egui::Button::new("Step")).on_hover_text(step_hint).clicked() {
                self.commands.push(StudioCommand::Step);
            }
            ui.add_enabled_ui(self.settings.model.kind.is_network(), |ui| {
                // Named, so a screen reader says what it sets: "an epoch per step".
                egui::ComboBox::new("step_unit", "per step")
                    .selected_text(if by_batch { "a batch" } else { "an epoch" })
                    .width(76.0)
                    .show_ui(ui, |ui| {
                        ui.selectable_value(&mut self.settings.step_by_batch, false, "an epoch");
                        ui.selectable_value(&mut self.settings.step_by_batch, true, "a batch");
                    })
                    .response
                    .on_hover_text("What Step advances: one epoch, or one mini-batch (one gradient step) of a network.");
            });
            if ui
                .button("Reset")
                .on_hover_text("Forget everything learned and start from fresh random weights.")
                .clicked()
            {
                self.commands.push(StudioCommand::Reset);
            }
            self.pace_and_start_ui(ui);
            ui.separator();
            // One snapshot for the status line, the metrics and the boundary, with its epoch.
            let (record, scores) = self.view_snapshot();
            let epoch = record.map_or(self.run.epoch, |r| r.epoch);
            if self.views.rewind.is_live() {
                match self.run.batch {
                    Some(batch) => ui.label(format!(
                        "Epoch {epoch}, batch {} of {}",
                        batch.taken, batch.per_epoch
                    )),
                    None => ui.label(format!("Epoch {epoch}")),
                };
            } else {
                ui.label(format!("Epoch {epoch} (rewound; trained to {})", self.run.epoch));
            }
            ui.separator();
            let clustering = self.settings.model.kind.is_clustering();
            let inertia = match self.run.insight.as_deref() {
                Some(ModelInsight::Centroids { inertia, .. }) => Some(*inertia),
                _ => self.run.scores.as_ref().and_then(|s| s.inertia),
            };
            if clustering && let Some(inertia) = inertia {
                // A clustering has no loss against labels: its own measure is the inertia.
                ui.label(format!("inertia {inertia:.3}")).on_hover_text(
                    "Inertia: the sum of squared distances from each point to its cluster's centre. \
                     Smaller means tighter clusters; it always falls as k grows.",
                );
                ui.separator();
            } else if let Some(record) = record.as_ref().filter(|_| !clustering) {
                // Adding 0.0 turns a rounded -0.000 into 0.000.
                ui.label(format!(
                    "train loss {:.3}  test loss {:.3}",
                    record.train_loss + 0.0,
                    record.test_loss + 0.0
                ));
                // Cluster numbers are names, not classes: matching them to labels means nothing.
                // The scores' accuracy when the snapshot has them: the one the Metrics tab counts.
                let accuracy = scores.as_ref().and_then(|s| s.accuracy).or(record.test_accuracy);
                if let Some(acc) = accuracy
                    && !self.settings.model.kind.is_clustering()
                {
                    ui.label(format!("test accuracy {:.1}%", acc * 100.0));
                }
                if let Some(r2) = record.test_r2 {
                    ui.label(format!("test R² {r2:.3}"));
                }
                ui.separator();
            }
            ui.label(self.run.status.label());
        });
    }

    pub(super) fn central_ui(&mut self, ui: &mut egui::Ui) {
        if let Some(error) = &self.messages.error {
            ui.colored_label(ui.visuals().error_fg_color, error);
        }
        if let Some(notice) = &self.messages.notice {
            ui.colored_label(ui.visuals().warn_fg_color, notice);
        }
        ui.horizontal(|ui| {
            ui.selectable_value(&mut self.views.tab, CentralTab::Model, "Model view")
                .on_hover_text("The decision boundary and the training curves.");
            ui.selectable_value(&mut self.views.tab, CentralTab::Data, "Data view")
                .on_hover_text("The rows, the columns and the class balance of the data.");
            ui.selectable_value(&mut self.views.tab, CentralTab::Representations, "Representations")
                .on_hover_text(
                    "A network's layers, one by one: how each sees the test rows, coloured by class.",
                );
        });
        if self.views.tab == CentralTab::Representations {
            let mut wants_png = false;
            ui.horizontal(|ui| wants_png = export::png_button(ui));
            let context = RepresentationsContext {
                data: &self.input.data,
                is_network: self.settings.model.kind.is_network(),
                trained: self.run.worker.is_some(),
            };
            let shown = egui::ScrollArea::vertical()
                .id_salt("representations")
                .show(ui, |ui| self.views.representations.ui(ui, &context));
            if wants_png {
                self.views.exporter.save_png(ui.ctx(), "representations", shown.inner_rect);
            }
            return;
        }
        if self.views.tab == CentralTab::Data {
            let file = self.input.file.as_ref();
            data_view::summary_ui(
                ui,
                &self.input.data,
                file.map(|f| f.columns.as_slice()),
                file.map_or(&[][..], |f| f.warnings.as_slice()),
            );
            ui.separator();
            match self.input.data.input_shape {
                crate::data::InputShape::Image { .. } => {
                    data_view::image_gallery_ui(ui, &self.input.data, 30);
                    ui.separator();
                }
                crate::data::InputShape::Sequence { .. } => {
                    data_view::sequence_gallery_ui(ui, &self.input.data, 12);
                    ui.separator();
                }
                crate::data::InputShape::Vector => {}
            }
            data_view::table_ui(ui, &self.input.data);
            return;
        }
        let data = Arc::clone(&self.input.data);
        let names = &data.feature_names;
        let (xi, yi) = self.view_axes();
        let (x_name, y_name) = if self.settings.view.pca && data.n_features() > 2 {
            ("principal component 1", "principal component 2")
        } else if data.n_features() == 1 {
            (names[0].as_str(), data.target_name.as_str())
        } else {
            (names.get(xi).map_or("x", String::as_str), names.get(yi).map_or("y", String::as_str))
        };
        let available = ui.available_size();
        let mut hovered = None;
        ui.horizontal_top(|ui| {
            let boundary_width = (available.x * 0.55).max(200.0);
            ui.allocate_ui(egui::vec2(boundary_width, available.y), |ui| {
                ui.vertical(|ui| {
                    if matches!(data.input_shape, crate::data::InputShape::Image { .. }) {
                        return self.prediction_gallery_ui(ui, &data);
                    }
                    let mut wants_png = false;
                    ui.horizontal(|ui| {
                        ui.strong("Decision boundary").on_hover_text(
                            "The shading is the model's answer at every place: the stronger the colour, the surer it is. \
                             Filled dots are training points, hollow diamonds are test points.",
                        );
                        wants_png = export::png_button(ui);
                        if self.settings.model.kind.is_network() {
                            ui.toggle_value(&mut self.views.stepper.open, "Backprop stepper").on_hover_text(
                                "Walk through one training step on one point: the forward pass, the loss, \
                                 the backward pass and the update, with every number. Click a training \
                                 point to step on it.",
                            );
                        }
                    });
                    if self.input.data.n_features() == 1 {
                        ui.label("A single feature: each point sits at its target value; the line is the model's answer along the feature.");
                    } else if data.n_features() > 2 {
                        self.view_picker_ui(ui, &data);
                        if !self.settings.view.pca {
                            ui.label(format!(
                                "The shading holds the other {} features at their mean.",
                                data.n_features() - 2
                            ));
                        }
                    }
                    self.boundary_extras_ui(ui);
                    let overlay = self.boundary_overlay();
                    let pointer = self.views.boundary.ui(ui, x_name, y_name, &overlay);
                    self.after_boundary(ui, &pointer, wants_png);
                    hovered = pointer.hovered;
                    self.boundary_clicks(&pointer);
                });
            });
            ui.vertical(|ui| {
                let mut wants_learned_png = false;
                ui.horizontal(|ui| {
                    ui.selectable_value(&mut self.views.side_view, SideView::Curves, "Curves")
                        .on_hover_text("Loss and accuracy on the training and test points, epoch by epoch.");
                    ui.selectable_value(&mut self.views.side_view, SideView::Metrics, "Metrics")
                        .on_hover_text("The confusion matrix and per-class scores on the test points.");
                    ui.selectable_value(&mut self.views.side_view, SideView::Learned, "What it learned")
                        .on_hover_text("Inside the model: the tree, the weights, the importances.");
                    // The curves and metrics have a button per plot; this one saves the visible view.
                    wants_learned_png = self.views.side_view == SideView::Learned && export::png_button(ui);
                });
                let shown = egui::ScrollArea::vertical()
                    .id_salt("side_view")
                    .show(ui, |ui| self.side_view_ui(ui, available.y));
                if wants_learned_png {
                    self.views.exporter.save_png(ui.ctx(), "what-it-learned", shown.inner_rect);
                }
            });
        });
        if hovered.is_some() {
            self.views.hovered = hovered;
        }
    }

    /// Clicks on the boundary plot: painting puts points down or erases them; otherwise a
    /// network answers "why this prediction?" for the pinned row (the star) or the clicked place,
    /// in the side view, and with the stepper open a training point clicked is the one it steps on.
    fn boundary_clicks(&mut self, pointer: &PlotPointer) {
        if let Some(class) = self.settings.paint_class {
            if let Some([x, y]) = pointer.left_click {
                self.commands.push(StudioCommand::AddPoint { x, y, class });
            }
            if let Some([x, y]) = pointer.right_click {
                self.commands.push(StudioCommand::RemovePoint { x, y });
            }
        } else if let Some(point) = pointer.left_click
            && self.settings.model.kind.is_network()
        {
            match self.pinned_row() {
                Some(row) if self.views.stepper.open => {
                    self.commands.push(StudioCommand::Stepper(StepperCommand::Row(row)))
                }
                row => {
                    let target = row.map_or(ExplainTarget::Point(point), ExplainTarget::Row);
                    self.commands.push(StudioCommand::Explain(target));
                }
            }
        }
    }

    pub(super) fn side_view_ui(&mut self, ui: &mut egui::Ui, available_height: f32) {
        match self.views.side_view {
            SideView::Curves => self.curves_view_ui(ui, available_height),
            SideView::Metrics => self.metrics_view_ui(ui),
            SideView::Learned => match self.run.insight.clone() {
                Some(insight) => {
                    let insight = insight.as_ref();
                    self.why_ui(ui, insight);
                    let path = self.highlighted_tree_path(insight);
                    let context = InsightContext {
                        feature_names: &self.input.data.feature_names,
                        class_names: self.input.data.class_names(),
                        scaler: self.run.scaler.as_ref(),
                        highlight: &path,
                    };
                    self.views.insight_view.ui(ui, insight, &context);
                }
                None if self.settings.model.kind.is_network() => {
                    let context =
                        NetworkViewContext { data: &self.input.data, trained: self.run.worker.is_some() };
                    if let Some(target) = self.views.network_view.ui(ui, &context) {
                        self.commands.push(StudioCommand::Explain(target));
                    }
                }
                None => {
                    ui.label("Train the model to see what it learned.");
                }
            },
        }
    }

    /// Axis pickers and the PCA option for data with more than two features.
    pub(super) fn view_picker_ui(&mut self, ui: &mut egui::Ui, data: &Dataset) {
        let mut view = self.settings.view;
        ui.horizontal(|ui| {
            ui.checkbox(&mut view.pca, "PCA plane").on_hover_text(
                "Show the data on its first two principal components: the flat view that keeps the most spread. \
                 The shading is the model's answer on that plane.",
            );
            if !view.pca {
                for (label, axis) in [("x axis", &mut view.x), ("y axis", &mut view.y)] {
                    let current = data.feature_names.get(*axis).cloned().unwrap_or_default();
                    egui::ComboBox::from_label(label).selected_text(current).height(300.0).show_ui(ui, |ui| {
                        for (index, name) in data.feature_names.iter().enumerate() {
                            ui.selectable_value(axis, index, name);
                        }
                    });
                }
            }
        });
        if !view.pca
            && data.n_features() <= 4
            && data
                .most_separating_pair()
                .is_some_and(|(a, b)| (a, b) == (view.x, view.y) || (b, a) == (view.x, view.y))
        {
            ui.label(
                egui::RichText::new(
                    "These two features separate the classes best (one-way F); the others are held at their mean.",
                )
                .weak(),
            );
        }
        if view != self.settings.view {
            self.settings.view = view;
            self.commands.push(StudioCommand::ChangeView);
        }
    }

    /// Tree nodes on the path of the point under the pointer (other features at their mean).
    pub(super) fn hovered_tree_path(&self, insight: &ModelInsight) -> Vec<usize> {
        let (ModelInsight::Tree(tree), Some([x, y]), Some(scaler)) =
            (insight, self.views.hovered, &self.run.scaler)
        else {
            return Vec::new();
        };
        let mut raw = scaler.mean.clone();
        if raw.len() < 2 || self.settings.view.pca {
            return Vec::new();
        }
        let (xi, yi) = self.view_axes();
        raw[xi] = x;
        raw[yi] = y;
        let mut row = Vec::with_capacity(raw.len());
        scaler.transform_row(&raw, &mut row);
        tree.decision_path(&row)
    }

    /// File > Open link: a field to paste a share link into; returns the link when opened.
    pub(super) fn open_link_window_ui(&mut self, ctx: &egui::Context) -> Option<String> {
        let text = self.window.link_text.as_mut()?;
        let mut open = true;
        let mut chosen = None;
        egui::Window::new("Open link").open(&mut open).collapsible(false).show(ctx, |ui| {
            ui.label("Paste a share link (File > Copy share link makes one).");
            ui.horizontal(|ui| {
                let label = ui.label("Link:");
                let field = egui::TextEdit::singleline(text)
                    .desired_width(420.0)
                    .hint_text("http://…#learnscope=1.…");
                ui.add(field).labelled_by(label.id);
            });
            if ui.button("Open").clicked() {
                chosen = Some(text.trim().to_string());
            }
        });
        if !open || chosen.is_some() {
            self.window.link_text = None;
        }
        chosen
    }

    /// The left panel: data, features, model and network builder.
    pub(super) fn controls_panel_ui(&mut self, ui: &mut egui::Ui) {
        let context = ControlsContext {
            parameters: self.run.parameters,
            file_name: self.input.file.as_ref().map(|f| f.source.name.as_str()),
            file_columns: self.input.file.as_ref().map(|f| f.columns.as_slice()),
            loading: self.input.pending_load.as_ref().map(|p| Loading {
                name: p.name.as_str(),
                seconds: p.seconds(),
                fraction: p.fraction(),
                pass: p.pass(),
            }),
            two_d: self.input.base.n_features() == 2
                && self.input.base.input_shape == crate::data::InputShape::Vector,
            data: &self.input.data,
            paintable: self.input.base.n_features() == 2 && self.input.base.labels().is_some(),
            presentation: self.window.preferences.presentation,
            hidden: &self.views.hidden,
        };
        let commands = controls_ui(ui, &mut self.settings, &context, &mut self.views.builder);
        self.commands.extend(commands);
    }
}
