//! Loading a CSV off the UI thread, so a big file never freezes the window. The file dialog,
//! drag-and-drop and the tests all end up in `load_in_background`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::time::Instant;

use std::sync::atomic::{AtomicU64, Ordering};

use crate::data::csv_loader::{CsvOptions, LoadProgress, LoadedCsv, load_csv_watched};
use crate::training::Waker;

/// The file the user brought in, read again (streamed, never held whole) when another target or
/// missing-value policy is picked.
#[derive(Clone)]
pub struct CsvSource {
    pub name: String,
    pub path: PathBuf,
}

pub enum LoadOutcome {
    Loaded(CsvSource, Box<LoadedCsv>),
    Failed(String),
}

/// A load running on its own thread.
pub struct PendingLoad {
    pub name: String,
    pub started: Instant,
    receiver: Receiver<LoadOutcome>,
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

    /// The outcome once the thread is done; `None` while it still works.
    pub fn poll(&self) -> Option<LoadOutcome> {
        match self.receiver.try_recv() {
            Ok(outcome) => Some(outcome),
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => {
                Some(LoadOutcome::Failed(format!("loading {} stopped unexpectedly", self.name)))
            }
        }
    }
}

/// What to read: a new file, or the one already loaded again.
pub enum LoadRequest {
    Path(PathBuf),
    Source(CsvSource),
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned())
}

pub fn load_in_background(request: LoadRequest, options: CsvOptions, waker: Waker) -> PendingLoad {
    let name = match &request {
        LoadRequest::Path(path) => file_name(path),
        LoadRequest::Source(source) => source.name.clone(),
    };
    let (sender, receiver) = mpsc::channel();
    let thread_name = name.clone();
    let progress = Arc::new(LoadProgress::default());
    let total_bytes = Arc::new(AtomicU64::new(0));
    let (thread_progress, thread_total) = (Arc::clone(&progress), Arc::clone(&total_bytes));
    let spawned = std::thread::Builder::new().name("csv-loader".into()).spawn(move || {
        let source = match request {
            LoadRequest::Path(path) => CsvSource { name: thread_name, path },
            LoadRequest::Source(source) => source,
        };
        match std::fs::metadata(&source.path) {
            Ok(meta) => thread_total.store(meta.len(), Ordering::Relaxed),
            Err(e) => {
                let _ = sender.send(LoadOutcome::Failed(format!("{}: {e}", source.path.display())));
                waker();
                return;
            }
        }
        let outcome = match load_csv_watched(&source.path, &options, &thread_progress) {
            Ok(loaded) => LoadOutcome::Loaded(source, Box::new(loaded)),
            Err(e) => LoadOutcome::Failed(e.to_string()),
        };
        // The user may have cancelled (dropped the receiver); nothing to do then.
        let _ = sender.send(outcome);
        waker();
    });
    if let Err(e) = spawned {
        let (sender, receiver) = mpsc::channel();
        let _ = sender.send(LoadOutcome::Failed(format!("could not start loading {name}: {e}")));
        return PendingLoad { name, started: Instant::now(), receiver, progress, total_bytes };
    }
    PendingLoad { name, started: Instant::now(), receiver, progress, total_bytes }
}

/// Opens the native file dialog on its own thread; the chosen path arrives on the receiver.
/// Where no dialog service runs, the receiver yields `None` at once.
pub fn pick_file_in_background(waker: Waker) -> Receiver<Option<PathBuf>> {
    let (sender, receiver) = mpsc::channel();
    let _ = std::thread::Builder::new().name("file-dialog".into()).spawn(move || {
        let picked = rfd::FileDialog::new()
            .set_title("Open a CSV file")
            .add_filter("CSV tables", &["csv", "tsv", "txt"])
            .pick_file();
        let _ = sender.send(picked);
        waker();
    });
    receiver
}
