//! What the desktop and the browser do differently, kept in this one file: picking a file (a path
//! on the desktop, the file's bytes in the browser) and saving one (a save dialog and an atomic
//! write on the desktop, a download in the browser). Both run as background tasks.

use std::path::PathBuf;
use std::sync::Arc;

use super::background::{BackgroundTasks, Task};

/// A file the user picked or dropped.
#[derive(Clone, Debug, PartialEq)]
pub enum PickedFile {
    /// On the desktop: where it lies, read when needed.
    Path(PathBuf),
    /// In the browser: its name and contents.
    Bytes { name: String, bytes: Arc<[u8]> },
}

impl PickedFile {
    pub fn name(&self) -> String {
        match self {
            PickedFile::Path(path) => path
                .file_name()
                .map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned()),
            PickedFile::Bytes { name, .. } => name.clone(),
        }
    }

    /// The path it stands for: the real one, or its bare name for a browser's file.
    pub fn path(&self) -> PathBuf {
        match self {
            PickedFile::Path(path) => path.clone(),
            PickedFile::Bytes { name, .. } => PathBuf::from(name),
        }
    }

    /// Its contents as text, with a message naming the file when it cannot be read.
    pub fn read_text(&self) -> Result<String, String> {
        let bytes = match self {
            PickedFile::Path(path) => std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?,
            PickedFile::Bytes { bytes, .. } => bytes.to_vec(),
        };
        String::from_utf8(bytes).map_err(|_| format!("{} is not UTF-8 text", self.name()))
    }
}

/// Asks for a file to open; `None` when none was chosen (or no dialog could open here).
pub fn pick_file(
    tasks: &BackgroundTasks,
    title: &'static str,
    filter: (&'static str, &'static [&'static str]),
) -> Task<Option<PickedFile>> {
    #[cfg(not(target_arch = "wasm32"))]
    {
        tasks.spawn("file-dialog", move |_| {
            rfd::FileDialog::new()
                .set_title(title)
                .add_filter(filter.0, filter.1)
                .pick_file()
                .map(PickedFile::Path)
        })
    }
    #[cfg(target_arch = "wasm32")]
    {
        tasks.spawn_local("file-dialog", async move {
            let file = rfd::AsyncFileDialog::new()
                .set_title(title)
                .add_filter(filter.0, filter.1)
                .pick_file()
                .await?;
            let bytes: Arc<[u8]> = file.read().await.into();
            Some(PickedFile::Bytes { name: file.file_name(), bytes })
        })
    }
}

/// Asks for a folder (of images, one subfolder per class); the browser has no folders to give,
/// so there the task answers `None` at once.
pub fn pick_folder(tasks: &BackgroundTasks, title: &'static str) -> Task<Option<PickedFile>> {
    #[cfg(not(target_arch = "wasm32"))]
    {
        tasks.spawn("folder-dialog", move |_| {
            rfd::FileDialog::new().set_title(title).pick_folder().map(PickedFile::Path)
        })
    }
    #[cfg(target_arch = "wasm32")]
    {
        let _ = title;
        tasks.spawn_local("folder-dialog", async move { None })
    }
}

/// Reads a file dropped on the page (the browser reads files asynchronously).
#[cfg(target_arch = "wasm32")]
pub fn read_dropped(tasks: &BackgroundTasks, file: egui::DroppedFileHandle) -> Task<Option<PickedFile>> {
    tasks.spawn_local("dropped-file", async move {
        let name = file.path().display().to_string();
        let bytes: Arc<[u8]> = file.bytes_async().await.ok()?.into();
        Some(PickedFile::Bytes { name, bytes })
    })
}

/// Saves the bytes `make` gives (made in the background) where the user says (desktop) or as a
/// download (browser). The result is the path written, or a message.
pub fn save_bytes(
    tasks: &BackgroundTasks,
    default_name: String,
    filter: (&'static str, &'static str),
    make: impl FnOnce() -> Result<Vec<u8>, String> + Send + 'static,
) -> Task<Result<PathBuf, String>> {
    #[cfg(not(target_arch = "wasm32"))]
    {
        tasks.spawn("save-dialog", move |_| {
            let picked = rfd::FileDialog::new()
                .set_title("Save as")
                .set_file_name(&default_name)
                .add_filter(filter.0, &[filter.1])
                .save_file();
            match picked {
                Some(path) => write_to(&path, &make()?).map(|()| path),
                None => Err(format!(
                    "{default_name} was not saved: no file was chosen (or no save dialog could open here)"
                )),
            }
        })
    }
    #[cfg(target_arch = "wasm32")]
    {
        let _ = filter;
        tasks.spawn("download", move |_| {
            super::web::download(&default_name, &make()?).map(|()| PathBuf::from(default_name))
        })
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn write_to(path: &std::path::Path, bytes: &[u8]) -> Result<(), String> {
    crate::files::write_bytes_atomically(path, bytes).map_err(|e| e.to_string())
}

/// True where files can be written beside each other (a network's weights next to its
/// experiment, a report's charts in a folder): the desktop, not the browser.
pub const HAS_FILE_SYSTEM: bool = cfg!(not(target_arch = "wasm32"));
