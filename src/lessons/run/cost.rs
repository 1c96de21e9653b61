//! Difference 3, model complexity and compute: parameters, fit and prediction time, devices.

use std::sync::atomic::AtomicBool;

use super::{Progress, contender, figure, measure_model, slug};
use crate::data::Dataset;
use crate::lessons::duel::{DuelRow, measure, rows_table};
use crate::lessons::{LessonData, LessonError, LessonModel, LessonReport};
use crate::models::ModelKind;
use crate::models::network::{DeviceChoice, LayerSpec, NetworkSpec};

pub(super) fn cost(
    settings: &LessonData,
    models: &[LessonModel],
    quick: bool,
    progress: Progress<'_>,
    cancel: &AtomicBool,
) -> Result<LessonReport, LessonError> {
    let data = settings.load(quick)?;
    let cuda = crate::models::network::select_device(DeviceChoice::Cuda).0.is_cuda();
    let mut rows: Vec<DuelRow> = Vec::new();
    let mut cuda_rows: Vec<Option<DuelRow>> = Vec::new();
    let mut figures = Vec::new();
    for (i, model) in models.iter().enumerate() {
        progress(i as f32 / models.len().max(1) as f32, &format!("timing {}", model.label()));
        let (measured, model_data, split) = measure_model(&data, settings, model, quick, cancel)?;
        let row = measured.row;
        let s = slug(model);
        figures.extend([
            figure(format!("{s}_parameters"), row.parameters as f64),
            figure(format!("{s}_fit_seconds"), row.fit_seconds),
            figure(format!("{s}_predict_ms_per_1000"), row.predict_ms_per_1000),
            figure(model.figure_name(), row.accuracy),
        ]);
        cuda_rows.push(if cuda && row.model == ModelKind::Mlp.name() {
            let mut on_gpu = contender(model, settings.seed, quick)?;
            on_gpu.config.network = Some(network_on(&on_gpu.config, &model_data, DeviceChoice::Cuda));
            let measured = measure(&model_data, &split, &on_gpu, settings.scale, cancel)?;
            figures.push(figure(format!("{s}_fit_seconds_cuda"), measured.row.fit_seconds));
            Some(measured.row)
        } else {
            None
        });
        rows.push(row);
    }
    let mut table = rows_table("Cost of each model (CPU)", &rows);
    if cuda {
        table.columns.extend(["fit s (CUDA)".to_string(), "predict ms / 1,000 rows (CUDA)".to_string()]);
        for (cells, gpu) in table.rows.iter_mut().zip(&cuda_rows) {
            match gpu {
                Some(r) => {
                    cells.extend([format!("{:.3}", r.fit_seconds), format!("{:.2}", r.predict_ms_per_1000)])
                }
                None => cells.extend(["-".to_string(), "-".to_string()]),
            }
        }
    }
    let by = |key: fn(&DuelRow) -> f64| {
        let min = rows.iter().min_by(|a, b| key(a).total_cmp(&key(b)));
        let max = rows.iter().max_by(|a, b| key(a).total_cmp(&key(b)));
        min.zip(max)
    };
    let mut finding = String::new();
    if let (Some((fast, slow)), Some((quick, sluggish)), Some((_, largest))) =
        (by(|r| r.fit_seconds), by(|r| r.predict_ms_per_1000), by(|r| r.parameters as f64))
    {
        finding = format!(
            "Fitting: fastest {} ({:.3} s), slowest {} ({:.3} s). Answering 1,000 rows: fastest {} ({:.2} ms), slowest {} ({:.2} ms). Most parameters: {} ({}).{}",
            fast.label,
            fast.fit_seconds,
            slow.label,
            slow.fit_seconds,
            quick.label,
            quick.predict_ms_per_1000,
            sluggish.label,
            sluggish.predict_ms_per_1000,
            largest.label,
            largest.parameters,
            if cuda { "" } else { " No CUDA device in this build or on this machine: CPU only." }
        );
    }
    Ok(LessonReport { finding, tables: vec![table], figures, ..Default::default() })
}

/// The config's network (an MLP written out when it has none) placed on `device`.
pub(super) fn network_on(
    config: &crate::models::ModelConfig,
    data: &Dataset,
    device: DeviceChoice,
) -> NetworkSpec {
    let mut spec = config.network.clone().unwrap_or_else(|| {
        let mut spec = NetworkSpec::mlp(&config.hidden_layers, config.activation);
        if data.input_shape != crate::data::InputShape::Vector {
            spec.layers.insert(0, LayerSpec::Flatten);
        }
        spec
    });
    spec.options.device = device;
    spec
}
