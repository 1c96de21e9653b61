//! The entry points the fuzz targets (`fuzz/`) and the corpus replay test (`tests/cli/fuzzing.rs`)
//! drive: each reads bytes the way the studio and the CLI read that kind of file and goes as far
//! as they go before training. Any input must come back as `Ok` or a message, never a panic, an
//! abort or a hang. Kept in the library so the fuzzer and the test run the very same path.

use std::path::Path;

use crate::data::csv_loader::{CsvOptions, MissingPolicy, TaskOverride, load_csv_bytes};
use crate::data::{InputShape, Task};
use crate::lessons::{Experiment, LessonModel};
use crate::models::network::NetworkSpec;
use crate::models::network::shapes::{OutputHead, Shape, infer};
use crate::models::{ModelConfig, ModelKind};
use crate::ui::state::StudioSettings;

/// Networks at most this big are also built and run on one row (bigger ones only inferred), so a
/// fuzzer's run stays thousands of inputs a second.
const RUN_AT_MOST_PARAMETERS: usize = 20_000;

/// A CSV file. The first byte picks the options (target, missing cells, task), as a student
/// would in the studio; the rest is the file.
pub fn csv(bytes: &[u8]) -> Result<(), String> {
    let (choice, file) = bytes.split_first().map_or((0, bytes), |(c, rest)| (*c, rest));
    let options = CsvOptions {
        target: (choice & 1 == 1).then(|| "y".to_string()),
        missing: if choice & 2 == 2 { MissingPolicy::ImputeMean } else { MissingPolicy::DropRows },
        task: match (choice >> 2) % 3 {
            0 => None,
            1 => Some(TaskOverride::Classification),
            _ => Some(TaskOverride::Regression),
        },
        ..CsvOptions::default()
    };
    let loaded = load_csv_bytes("fuzz.csv", file, &options).map_err(|e| e.to_string())?;
    loaded.dataset.check().map_err(|e| e.to_string())
}

/// Network text as typed into the builder or `--net`: parsed, its shapes inferred for a table,
/// an image and a sequence, and (when small) built and run on one row.
pub fn network_text(bytes: &[u8]) -> Result<(), String> {
    let text = std::str::from_utf8(bytes).map_err(|e| e.to_string())?;
    let spec = NetworkSpec::parse(text).map_err(|e| e.to_string())?;
    let inputs = [
        (InputShape::Vector, 2),
        (InputShape::Image { channels: 1, height: 8, width: 8 }, 64),
        (InputShape::Sequence { steps: 8, channels: 1 }, 8),
    ];
    let mut last = Err(String::new());
    for (input, n_features) in inputs {
        last = build_and_run(&spec, input, n_features, Task::Classification, 3);
    }
    last
}

/// An experiment file (`NAME.learnscope.json`) opened as the studio and `train --experiment` open
/// one: parsed, its settings and data checked, its model built for its data (not trained).
pub fn experiment(bytes: &[u8]) -> Result<(), String> {
    let text = std::str::from_utf8(bytes).map_err(|e| e.to_string())?;
    let file = crate::experiment::parse::<StudioSettings>(Path::new("fuzz.learnscope.json"), text)
        .map_err(|e| e.to_string())?;
    file.settings.check()?;
    let Some(data) = file.data else { return Ok(()) };
    let model = file.settings.model;
    match &model.network {
        Some(spec) if model.kind.is_network() => {
            build_and_run(spec, data.input_shape, data.n_features(), data.task(), data.class_count())
        }
        _ => model
            .build_for(data.input_shape, data.n_features(), data.task(), data.class_count())
            .map(|_| ())
            .map_err(|e| e.to_string()),
    }
}

/// A lesson file: parsed and bounded, its data generated (quick size) and each model's
/// configuration built, as `learnscope lesson FILE` does before it trains.
pub fn lesson(bytes: &[u8]) -> Result<(), String> {
    let text = std::str::from_utf8(bytes).map_err(|e| e.to_string())?;
    let lesson =
        crate::lessons::parse_lesson(Path::new("fuzz.lesson.json"), text).map_err(|e| e.to_string())?;
    let data = lesson.data.load(true).map_err(|e| e.to_string())?;
    data.check().map_err(|e| e.to_string())?;
    let models: Vec<&LessonModel> = match &lesson.experiment {
        Experiment::LearningCurve { models, .. }
        | Experiment::Cost { models }
        | Experiment::CrossValidation { models, .. }
        | Experiment::EpochsToLoss { models, .. }
        | Experiment::GradientFlow { models } => models.iter().collect(),
        Experiment::Comparison { parts } => parts.iter().flat_map(|p| &p.models).collect(),
        Experiment::Explain { tree, network, .. } => vec![tree, network],
        Experiment::LossSurface { .. } => Vec::new(),
    };
    // Every model is tried (a part may be meant for other data, so one refusal ends nothing).
    let mut outcome = Ok(());
    for model in models {
        let built = model.config(0).map_err(|e| e.to_string()).and_then(|config| match &config.network {
            Some(spec) if config.kind.is_network() => {
                build_and_run(spec, data.input_shape, data.n_features(), data.task(), data.class_count())
            }
            _ => Ok(()),
        });
        outcome = outcome.and(built);
    }
    outcome
}

/// Infers the network's shapes for `input`; builds it and predicts one row of zeros when small.
fn build_and_run(
    spec: &NetworkSpec,
    input: InputShape,
    n_features: usize,
    task: Task,
    classes: usize,
) -> Result<(), String> {
    let shape = Shape::from_input(input, n_features).map_err(|e| e.to_string())?;
    let report = infer(spec, shape, OutputHead::for_task(task, classes)).map_err(|e| e.to_string())?;
    if report.total_parameters > RUN_AT_MOST_PARAMETERS {
        return Ok(());
    }
    let config = ModelConfig { kind: ModelKind::Mlp, network: Some(spec.clone()), ..ModelConfig::default() };
    let model = config.build_for(input, n_features, task, classes).map_err(|e| e.to_string())?;
    model.predict(&vec![0.0; n_features], n_features).map(|_| ()).map_err(|e| e.to_string())
}
