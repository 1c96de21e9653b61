//! Share links from the app's side: the link for the set-up on screen, and opening one.

use super::StudioApp;
use crate::data::{Dataset, Target};
use crate::ui::desktop::LogLevel;
use crate::ui::share::{MAX_POINTS, SharedSetup};
use crate::ui::state::{LessonCommand, StudioCommand};

/// Where the desktop's links point: the web build's address (`LEARNSCOPE_WEB_URL`), or the one
/// `web/serve` opens on this machine.
#[cfg(not(target_arch = "wasm32"))]
fn link_base() -> String {
    std::env::var("LEARNSCOPE_WEB_URL").unwrap_or_else(|_| "http://localhost:8000/".to_string())
}

#[cfg(target_arch = "wasm32")]
fn link_base() -> String {
    crate::ui::web::page_address().unwrap_or_default()
}

impl StudioApp {
    /// The set-up on screen as a link: data settings (and painted points when few), the model,
    /// the open lesson and the controls hidden.
    pub fn share_link(&self) -> String {
        let mut settings = self.settings.clone();
        // A file on this computer means nothing elsewhere: the link shares generated data.
        (settings.csv_path, settings.csv_target, settings.csv_task) = (None, None, None);
        SharedSetup {
            settings,
            points: self.painted_points(),
            lesson: self.lessons.lesson().map(|l| l.id.clone()),
            hide: self.views.hidden.clone(),
        }
        .to_link(&link_base())
    }

    /// The rows as (x, y, class) when they were painted (they differ from what the generator
    /// makes) and are few enough for a link.
    fn painted_points(&self) -> Option<Vec<(f64, f64, u32)>> {
        let data = &self.input.base;
        let labels = data.labels()?;
        if self.input.file.is_some() || data.n_features() != 2 || data.rows() > MAX_POINTS {
            return None;
        }
        let generated = self.settings.dataset.generate(&self.settings.generator);
        if generated.features == data.features && generated.labels() == Some(labels) {
            return None;
        }
        Some((0..data.rows()).map(|i| (data.row(i)[0], data.row(i)[1], labels[i])).collect())
    }

    /// Opens a share link; a malformed or hostile one leaves the studio as it is, with a message.
    pub fn open_link(&mut self, link: &str) {
        let setup = match SharedSetup::from_link(link) {
            Ok(setup) => setup,
            Err(e) => {
                self.messages.error = Some(format!("This link could not be opened: {e}."));
                return;
            }
        };
        self.settings = setup.settings;
        (self.settings.csv_path, self.settings.csv_target, self.settings.csv_task) = (None, None, None);
        self.settings.paint_class = None;
        self.input.file = None;
        self.input.pending_load = None;
        self.views.hidden = setup.hide;
        let view = self.settings.view;
        let template = || self.settings.dataset.generate(&self.settings.generator);
        match setup.points.map(|points| painted_dataset(&points, template())) {
            Some(Ok(data)) => self.set_data_with_view(data, Some(view)),
            Some(Err(e)) => {
                self.messages.error = Some(format!("This link's points could not be used: {e}."));
                self.regenerate_data();
            }
            None => self.regenerate_data(),
        }
        if let Some(id) = setup.lesson {
            self.commands.push(StudioCommand::Lesson(LessonCommand::OpenBuiltin(id)));
        }
        self.messages.log.push(LogLevel::Info, "Opened the set-up from the link".to_string());
        self.restart_classical();
    }
}

/// Painted points as a data set named and labelled like the generated one they were painted on.
fn painted_dataset(points: &[(f64, f64, u32)], template: Dataset) -> Result<Dataset, String> {
    let Target::Classes { class_names, .. } = template.target else {
        return Err("painting needs class data".into());
    };
    if template.feature_names.len() != 2 {
        return Err("painting needs data with two features".into());
    }
    let features = points.iter().flat_map(|&(x, y, _)| [x, y]).collect();
    let labels = points.iter().map(|p| p.2).collect();
    let target = Target::Classes { labels, class_names };
    Dataset::new(template.name, template.feature_names, features, target, template.target_name)
        .map_err(|e| e.to_string())
}
