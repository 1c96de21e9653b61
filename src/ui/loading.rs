//! Loading a CSV in the background, so a big file never freezes the window. The file dialog,
//! drag-and-drop and the tests all end up in `load_in_background`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::background::{BackgroundTasks, Task};
use super::platform::{self, PickedFile};
use crate::data::csv_loader::{CsvOptions, LoadProgress, LoadedCsv, load_csv_bytes, load_csv_watched};
use crate::data::image_folder::{ImageFolderOptions, load_image_folder};

/// The file the user brought in, read again (streamed, never held whole) when another target or
/// missing-value policy is picked.
#[derive(Clone)]
pub struct CsvSource {
    pub name: String,
    pub path: PathBuf,
    /// The contents, for a file the browser handed over (it has no path to read again).
    pub bytes: Option<Arc<[u8]>>,
}

pub enum LoadOutcome {
    Loaded(CsvSource, Box<LoadedCsv>),
    Failed(String),
}

/// A load running in the background.
pub struct PendingLoad {
    pub name: String,
    task: Task<LoadOutcome>,
    progress: Arc<LoadProgress>,
    /// Bytes of text to parse, once the file's size is known (0 before).
    total_bytes: Arc<AtomicU64>,
}

impl PendingLoad {
    /// The share of the current pass read, once the file's size is known.
    pub fn fraction(&self) -> Option<f32> {
        let total = self.total_bytes.load(Ordering::Relaxed);
        (total > 0).then(|| self.progress.fraction(total))
    }

    /// 1 while reading the numbers, 2 while a second pass reads the text columns.
    pub fn pass(&self) -> u32 {
        self.progress.pass.load(Ordering::Relaxed)
    }

    /// Asks the loader thread to stop at its next read.
    pub fn cancel(&self) {
        self.progress.cancel.store(true, Ordering::Relaxed);
    }

    /// Seconds since the load started.
    pub fn seconds(&self) -> f32 {
        self.task.elapsed().as_secs_f32()
    }

    /// The outcome once the work is done; `None` while it still works.
    pub fn poll(&self) -> Option<LoadOutcome> {
        match self.task.poll() {
            Ok(outcome) => outcome,
            Err(_) => Some(LoadOutcome::Failed(format!("loading {} stopped unexpectedly", self.name))),
        }
    }
}

/// What to read: a new file, or the one already loaded again.
pub enum LoadRequest {
    Path(PathBuf),
    Source(CsvSource),
    /// A file picked or dropped in the browser.
    Picked(PickedFile),
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned())
}

pub fn load_in_background(request: LoadRequest, options: CsvOptions, tasks: &BackgroundTasks) -> PendingLoad {
    let name = match &request {
        LoadRequest::Path(path) => file_name(path),
        LoadRequest::Source(source) => source.name.clone(),
        LoadRequest::Picked(picked) => picked.name(),
    };
    let task_name = name.clone();
    let progress = Arc::new(LoadProgress::default());
    let total_bytes = Arc::new(AtomicU64::new(0));
    let (task_progress, task_total) = (Arc::clone(&progress), Arc::clone(&total_bytes));
    let task = tasks.spawn("csv-loader", move |_| {
        let source = match request {
            LoadRequest::Path(path) | LoadRequest::Picked(PickedFile::Path(path)) => {
                CsvSource { name: task_name, path, bytes: None }
            }
            LoadRequest::Picked(PickedFile::Bytes { name, bytes }) => {
                CsvSource { path: PathBuf::from(&name), name, bytes: Some(bytes) }
            }
            LoadRequest::Source(source) => source,
        };
        if let Some(bytes) = &source.bytes {
            return match load_csv_bytes(&source.name, bytes, &options) {
                Ok(loaded) => LoadOutcome::Loaded(source, Box::new(loaded)),
                Err(e) => LoadOutcome::Failed(e.to_string()),
            };
        }
        if source.path.is_dir() {
            // A folder of images; the loader sets the total once it has listed the files.
            let options = ImageFolderOptions::default();
            return match load_image_folder(&source.path, &options, &task_progress, &task_total) {
                Ok(loaded) => LoadOutcome::Loaded(source, Box::new(loaded)),
                Err(e) => LoadOutcome::Failed(e.to_string()),
            };
        }
        match std::fs::metadata(&source.path) {
            Ok(meta) => task_total.store(meta.len(), Ordering::Relaxed),
            Err(e) => return LoadOutcome::Failed(format!("{}: {e}", source.path.display())),
        }
        match load_csv_watched(&source.path, &options, &task_progress) {
            Ok(loaded) => LoadOutcome::Loaded(source, Box::new(loaded)),
            Err(e) => LoadOutcome::Failed(e.to_string()),
        }
    });
    PendingLoad { name, task, progress, total_bytes }
}

/// Asks for a CSV file in the background; the task's result is the file, or `None` when none
/// was chosen (where no dialog service runs, at once).
pub fn pick_file_in_background(tasks: &BackgroundTasks) -> Task<Option<PickedFile>> {
    platform::pick_file(tasks, "Open a CSV file", ("CSV tables", &["csv", "tsv", "txt"]))
}
