//! Experiments as files: `NAME.learnscope.json` holds the settings (and the rows themselves when
//! they were generated or painted), with a network's trained weights beside it in
//! `NAME-weights.safetensors` + `NAME-weights.json`. Generic over the settings type so the
//! studio's own settings travel without this module knowing egui.

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::data::Dataset;
use crate::files::{WriteError, write_bytes_atomically};

/// The `format` field that marks a file as ours.
pub const FORMAT: &str = "learnscope-experiment";
/// Bumped when a change would make older readers misread a file.
pub const VERSION: u32 = 1;
/// What file dialogs filter on and what Save As appends.
pub const EXTENSION: &str = "learnscope.json";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExperimentFile<S> {
    pub format: String,
    pub version: u32,
    pub settings: S,
    /// The rows, when they cannot be reloaded from a file (generated, shipped or painted).
    pub data: Option<Dataset>,
    /// The weights' base path relative to the experiment file, for networks saved with weights.
    pub weights: Option<String>,
    /// Epochs the saved weights were trained for.
    #[serde(default)]
    pub epochs: usize,
}

impl<S> ExperimentFile<S> {
    pub fn new(settings: S, data: Option<Dataset>) -> Self {
        Self { format: FORMAT.into(), version: VERSION, settings, data, weights: None, epochs: 0 }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ExperimentError {
    #[error("could not read {}: {reason}", path.display())]
    Read { path: PathBuf, reason: String },
    #[error("{} is not a Learnscope experiment ({found})", path.display())]
    Foreign { path: PathBuf, found: String },
    #[error(
        "{} is damaged at line {line}, column {column}: {reason}. Open an earlier copy or start a new experiment.",
        path.display()
    )]
    Damaged { path: PathBuf, line: usize, column: usize, reason: String },
    #[error("{} was saved by a newer Learnscope (format version {version}); update Learnscope to open it", path.display())]
    Newer { path: PathBuf, version: u64 },
    #[error("{}: {reason}. The studio carries on with what it had.", path.display())]
    Invalid { path: PathBuf, reason: String },
    #[error(transparent)]
    Write(#[from] WriteError),
}

/// Where a network's weights go for an experiment at `path`: `NAME-weights` (the network saver
/// adds `.safetensors` and `.json`).
pub fn weights_base(path: &Path) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let stem = name.strip_suffix(".learnscope.json").or_else(|| name.strip_suffix(".json")).unwrap_or(&name);
    path.with_file_name(format!("{stem}-weights.x"))
}

/// Adds `.learnscope.json` to a path chosen without it.
pub fn with_extension(path: PathBuf) -> PathBuf {
    if path.to_string_lossy().ends_with(".json") {
        path
    } else {
        let mut name = path.into_os_string();
        name.push(".");
        name.push(EXTENSION);
        PathBuf::from(name)
    }
}

/// Writes the experiment atomically: a crash mid-save leaves the previous file as it was.
pub fn save<S: Serialize>(path: &Path, experiment: &ExperimentFile<S>) -> Result<(), ExperimentError> {
    let text = serde_json::to_string_pretty(experiment)
        .map_err(|e| WriteError { path: path.to_path_buf(), reason: e.to_string() })?;
    write_bytes_atomically(path, text.as_bytes())?;
    Ok(())
}

pub fn load<S: DeserializeOwned>(path: &Path) -> Result<ExperimentFile<S>, ExperimentError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ExperimentError::Read { path: path.to_path_buf(), reason: e.to_string() })?;
    parse(path, &text)
}

/// Parses an experiment, telling a damaged file from someone else's JSON.
pub fn parse<S: DeserializeOwned>(path: &Path, text: &str) -> Result<ExperimentFile<S>, ExperimentError> {
    let damaged = |e: serde_json::Error| ExperimentError::Damaged {
        path: path.to_path_buf(),
        line: e.line(),
        column: e.column(),
        reason: e.to_string().split(" at line").next().unwrap_or_default().to_string(),
    };
    let value: serde_json::Value = serde_json::from_str(text).map_err(damaged)?;
    match value.get("format").and_then(|f| f.as_str()) {
        Some(FORMAT) => {}
        Some(other) => {
            return Err(ExperimentError::Foreign {
                path: path.to_path_buf(),
                found: format!("its format is \"{other}\""),
            });
        }
        None => {
            return Err(ExperimentError::Foreign {
                path: path.to_path_buf(),
                found: "it has no \"format\": \"learnscope-experiment\" field".into(),
            });
        }
    }
    let version = value.get("version").and_then(|v| v.as_u64()).unwrap_or(0);
    if version > u64::from(VERSION) {
        return Err(ExperimentError::Newer { path: path.to_path_buf(), version });
    }
    // Parse the text again (not the value) so a bad field reports its line and column.
    let experiment: ExperimentFile<S> = serde_json::from_str(text).map_err(damaged)?;
    if let Some(data) = &experiment.data {
        data.check().map_err(|e| ExperimentError::Invalid {
            path: path.to_path_buf(),
            reason: format!("its data: {e}"),
        })?;
    }
    Ok(experiment)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    struct Settings {
        learning_rate: f64,
    }

    #[test]
    fn save_and_load_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("moons.learnscope.json");
        let experiment = ExperimentFile::new(Settings { learning_rate: 0.03 }, None);
        save(&path, &experiment).unwrap();
        assert_eq!(load::<Settings>(&path).unwrap(), experiment);
        assert_eq!(weights_base(&path), dir.path().join("moons-weights.x"));
    }

    #[test]
    fn damaged_foreign_and_newer_files_are_told_apart() {
        let path = Path::new("lesson.learnscope.json");
        let damaged =
            parse::<Settings>(path, "{\"format\": \"learnscope-experiment\",\n \"version\": 1, \"sett")
                .unwrap_err()
                .to_string();
        assert!(damaged.contains("lesson.learnscope.json is damaged at line 2"), "{damaged}");
        let foreign = parse::<Settings>(path, "{\"name\": \"package.json\"}").unwrap_err().to_string();
        assert!(foreign.contains("not a Learnscope experiment"), "{foreign}");
        let wrong_field =
            parse::<Settings>(path, "{\"format\": \"learnscope-experiment\", \"version\": 1,\n\"settings\": {\"learning_rate\": \"fast\"}}")
                .unwrap_err()
                .to_string();
        assert!(wrong_field.contains("line 2"), "{wrong_field}");
        let newer = parse::<Settings>(path, "{\"format\": \"learnscope-experiment\", \"version\": 99}")
            .unwrap_err()
            .to_string();
        assert!(newer.contains("newer Learnscope"), "{newer}");
    }

    #[test]
    fn with_extension_appends_once() {
        assert_eq!(with_extension("a/b".into()), PathBuf::from("a/b.learnscope.json"));
        assert_eq!(with_extension("a/b.learnscope.json".into()), PathBuf::from("a/b.learnscope.json"));
    }
}
