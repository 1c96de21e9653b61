//! The backprop stepper's side of the app: its window, its commands, and telling the worker
//! which row it shows. A child module of `app`, so it reads the studio's state without widening
//! its fields.

use super::StudioApp;
use super::debug_views::PinnedPoint;
use crate::models::network::stepper::{BackpropStep, StepStage};
use crate::training::WorkerCommand;
use crate::ui::state::{StepperCommand, StudioCommand};
use crate::ui::stepper_view::StepperContext;

impl StudioApp {
    /// The stepper's window, while open; its clicks join the frame's commands.
    pub(super) fn stepper_ui(&mut self, ctx: &egui::Context) {
        let context = StepperContext {
            data: &self.input.data,
            is_network: self.settings.model.kind.is_network(),
            train_rows: self.input.split.train.len(),
        };
        let commands = self.views.stepper.window_ui(ctx, &context);
        self.commands.extend(commands.into_iter().map(StudioCommand::Stepper));
    }

    pub(super) fn handle_stepper(&mut self, command: StepperCommand) {
        match command {
            StepperCommand::Row(row) => self.step_on(row),
            StepperCommand::RandomRow => {
                let train = &self.input.split.train;
                if !train.is_empty() {
                    let pick = self.views.stepper.next_pick(train.len());
                    self.step_on(train[pick]);
                }
            }
            StepperCommand::SetWeight { layer, from, to, value } => {
                self.send(WorkerCommand::SetWeight { layer, from, to, value })
            }
            StepperCommand::Apply => self.send(WorkerCommand::ApplyBackpropStep),
        }
    }

    /// The stepper steps on data row `row`; the boundary plot marks it with the pinned star.
    fn step_on(&mut self, row: usize) {
        self.views.stepper.show_row(row);
        if let Some(&at) = self.views.boundary.coords.get(row)
            && row < self.input.data.rows()
        {
            let raw = self.input.data.row(row).to_vec();
            self.views.debug.pinned = Some(PinnedPoint { raw, row: Some(row), at });
        }
    }

    /// Tells the worker which row the stepper shows (`None` once it closed), once per change
    /// and again for each new worker.
    pub(super) fn sync_stepper(&mut self) {
        if self.run.worker.is_none() {
            return;
        }
        if let Some(row) = self.views.stepper.take_request(self.settings.model.kind.is_network()) {
            self.send(WorkerCommand::Backprop(row));
        }
    }

    /// Opens or closes the backprop stepper, as its button does.
    pub fn set_stepper_open(&mut self, open: bool) {
        self.views.stepper.open = open;
    }

    pub fn stepper_open(&self) -> bool {
        self.views.stepper.open
    }

    /// The data row the stepper steps on.
    pub fn stepper_row(&self) -> Option<usize> {
        self.views.stepper.row()
    }

    /// The step the stepper shows, as the worker worked it out, and the stage on screen.
    pub fn backprop_step(&self) -> Option<&BackpropStep> {
        self.views.stepper.step()
    }

    pub fn stepper_stage(&self) -> Option<StepStage> {
        self.views.stepper.stage()
    }

    /// Walks (or refusals) the worker sent since the stepper's worker started.
    pub fn stepper_updates(&self) -> usize {
        self.views.stepper.updates()
    }
}
