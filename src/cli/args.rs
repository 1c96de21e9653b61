//! Flags shared by several commands: where the data comes from and which model to train.

use std::path::PathBuf;

use clap::Args;
use clap::builder::PossibleValuesParser;

use super::CliError;
use crate::data::csv_loader::{CsvOptions, MissingPolicy, TaskOverride, load_csv};
use crate::data::image_folder::{ImageFolderOptions, load_image_folder};
use crate::data::{BuiltinDataset, Dataset, EngineeredFeature, GeneratorSettings, InputShape, add_features};
use crate::models::network::{Activation, OptimizerKind};
use crate::models::{ModelConfig, ModelKind};

pub fn dataset_names() -> PossibleValuesParser {
    PossibleValuesParser::new(BuiltinDataset::ALL.map(|d| d.name()))
}

fn parse_test_fraction(text: &str) -> Result<f64, String> {
    let value: f64 = text.parse().map_err(|_| format!("'{text}' is not a number"))?;
    if value > 0.0 && value < 1.0 {
        Ok(value)
    } else {
        Err(format!("the test fraction must lie strictly between 0 and 1 (e.g. 0.2), got {value}"))
    }
}

fn parse_feature(text: &str) -> Result<EngineeredFeature, String> {
    EngineeredFeature::parse_list(text)
        .map_err(|e| e.to_string())
        .and_then(|list| list.first().copied().ok_or_else(|| "give feature names such as x2,y2".to_string()))
}

fn parse_layers(text: &str) -> Result<Vec<usize>, String> {
    text.split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| match s.trim().parse::<usize>() {
            Ok(0) | Err(_) => {
                Err(format!("'{s}' is not a layer size: give positive whole numbers such as 8,8"))
            }
            Ok(n) => Ok(n),
        })
        .collect()
}

fn parse_learning_rate(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(lr) if lr > 0.0 && lr.is_finite() => Ok(lr),
        _ => Err(format!("the learning rate must be a positive number such as 0.01, got '{text}'")),
    }
}

/// Where the rows come from (`DATA` in CLI.md).
#[derive(Args, Debug)]
pub struct DataArgs {
    /// A CSV file with a header row (delimiter `,` `;` or tab is detected), or a folder of
    /// images with one subfolder per class (PNG or JPEG, any size).
    #[arg(long, value_name = "FILE|DIR")]
    pub data: Option<PathBuf>,
    /// With a folder of images: the square side every image is resized to (default: the most
    /// common size, at most 64).
    #[arg(long, value_name = "N", requires = "data", value_parser = clap::value_parser!(u64).range(1..=256))]
    pub image_size: Option<u64>,
    /// With a folder of images: read colour images as one grey channel.
    #[arg(long, requires = "data")]
    pub grayscale: bool,
    /// The column to predict, by name (default: the last column).
    #[arg(long, value_name = "COL", requires = "data")]
    pub target: Option<String>,
    /// What to do with empty, NA or non-finite numbers: drop those rows, or fill in the column
    /// mean. An empty or NA category is no category either way (all its one-hot inputs 0).
    #[arg(long, default_value = "drop", value_parser = PossibleValuesParser::new(["drop", "impute"]), requires = "data")]
    pub missing: String,
    /// Force the task instead of inferring it from the target column.
    #[arg(long, value_parser = PossibleValuesParser::new(["classification", "regression"]), requires = "data")]
    pub task: Option<String>,
    /// A built-in data set: a generator, or a shipped table (iris, digits, diabetes, wine) that
    /// ignores --samples and --noise. `learnscope datasets` lists them.
    #[arg(long, value_parser = dataset_names(), default_value = "moons", conflicts_with = "data")]
    pub dataset: String,
    /// Points to generate (built-in generators only).
    #[arg(long, default_value_t = 400, value_parser = clap::value_parser!(u64).range(2..=1_000_000))]
    pub samples: u64,
    /// Standard deviation of the noise added to generated points.
    #[arg(long, default_value_t = 0.2)]
    pub noise: f64,
    /// Classes for blobs, arms for the spiral.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(2..=10))]
    pub classes: u64,
    /// Share of the rows held out to test the model, strictly between 0 and 1.
    #[arg(long, default_value_t = 0.2, value_parser = parse_test_fraction)]
    pub test_fraction: f64,
    /// Seed for generated data, the split and the weights: the same seed gives the same run.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Skip standardization (by default features are standardized, fitted on the training rows only).
    #[arg(long)]
    pub no_scale: bool,
    /// Engineered inputs added to 2-D data before the split, e.g. x2,y2 (choose from x2, y2, xy,
    /// sinx, siny, r, theta).
    #[arg(long, value_name = "LIST", value_parser = parse_feature, value_delimiter = ',')]
    pub features: Vec<EngineeredFeature>,
    /// Read each row as an image: HxW or CxHxW, pixels row by row, channel after channel (e.g.
    /// 28x28 for MNIST as a 785-column CSV), so conv2d layers can see it.
    #[arg(long, value_name = "HxW", value_parser = InputShape::parse_image, conflicts_with = "sequence")]
    pub image: Option<InputShape>,
    /// Read each row as a sequence: T steps, or TxC steps of C channels each (e.g. 40), so conv1d
    /// and recurrent layers can see it.
    #[arg(long, value_name = "T", value_parser = InputShape::parse_sequence)]
    pub sequence: Option<InputShape>,
}

/// Which model to train (`MODEL` and `TRAINING` in CLI.md).
#[derive(Args, Debug)]
pub struct ModelArgs {
    /// The model kind (not needed with --net, --load or train's --experiment).
    #[arg(long, value_parser = PossibleValuesParser::new(ModelKind::ALL.map(|k| k.name())))]
    pub model: Option<String>,
    /// Start from a network saved with --save (PATH.json + PATH.safetensors) and train it further
    /// for --epochs; add --evaluate to only score it (train only).
    #[arg(long, value_name = "PATH", conflicts_with_all = ["model", "net"])]
    pub load: Option<PathBuf>,
    /// With --load: score the saved network on this data without training it.
    #[arg(long, requires = "load")]
    pub evaluate: bool,
    /// A network written layer by layer, e.g. "conv2d(8,3) relu maxpool(2) flatten dense(32) relu";
    /// the output layer and loss follow from the task. Replaces --model.
    #[arg(long, value_name = "SPEC")]
    pub net: Option<String>,
    /// Where a network trains: cpu, or cuda. cuda needs a binary built with `--features cuda`
    /// (the CUDA toolkit to build; the NVIDIA driver's libcuda.so.1 to start at all: such a
    /// binary does not start on a machine without it) and a GPU; otherwise a warning says why
    /// and the CPU trains. The default build is CPU-only and runs everywhere.
    #[arg(long, default_value = "cpu", value_parser = PossibleValuesParser::new(["cpu", "cuda"]))]
    pub device: String,
    /// How a network's weights start: auto (He before ReLU, Glorot otherwise), glorot, he, normal,
    /// fan-in (uniform ±1/√fan-in, biases too: PyTorch's default).
    #[arg(long, default_value = "auto", value_parser = PossibleValuesParser::new(crate::models::network::WeightInit::ALL.map(|i| i.name())))]
    pub init: String,
    /// L1 penalty on a network's weights (0 = none).
    #[arg(long, default_value_t = 0.0)]
    pub l1: f64,
    /// L2 penalty on a network's weights (0 = none).
    #[arg(long, default_value_t = 0.0)]
    pub l2: f64,
    /// Hidden layer sizes of the MLP, e.g. 8,8.
    #[arg(long, default_value = "8,8", value_parser = parse_layers)]
    pub layers: std::vec::Vec<usize>,
    /// Activation after each hidden layer of the MLP.
    #[arg(long, default_value = "tanh", value_parser = PossibleValuesParser::new(Activation::ALL.map(|a| a.name())))]
    pub activation: String,
    /// Passes over the training rows (networks); one-shot models ignore it.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub epochs: u64,
    /// Rows per gradient step.
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u64).range(1..))]
    pub batch_size: u64,
    /// Step size of gradient descent.
    #[arg(long, default_value = "0.01", value_parser = parse_learning_rate, allow_negative_numbers = true)]
    pub lr: f64,
    /// How gradients update the weights.
    #[arg(long, default_value = "adamw", value_parser = PossibleValuesParser::new(OptimizerKind::ALL.map(|o| o.name())))]
    pub optimizer: String,
    /// A hyper-parameter of a classical model, e.g. --param max_depth=3 (repeatable; the studio's
    /// sliders list each kind's keys, ranges and defaults).
    #[arg(long = "param", value_name = "KEY=VALUE")]
    pub params: Vec<String>,
}

/// Loads `--data FILE` (or a folder of images) with the loader's options.
pub fn load_file(
    path: &std::path::Path,
    args: &DataArgs,
) -> Result<crate::data::csv_loader::LoadedCsv, CliError> {
    if path.is_dir() {
        let options =
            ImageFolderOptions { size: args.image_size.map(|s| s as usize), grayscale: args.grayscale };
        return load_image_folder(path, &options, &Default::default(), &Default::default())
            .map_err(|e| CliError::Usage(e.to_string()));
    }
    let options = CsvOptions {
        target: args.target.clone(),
        missing: if args.missing == "impute" { MissingPolicy::ImputeMean } else { MissingPolicy::DropRows },
        task: args
            .task
            .as_deref()
            .map(|t| if t == "regression" { TaskOverride::Regression } else { TaskOverride::Classification }),
    };
    load_csv(path, &options).map_err(|e| CliError::Usage(e.to_string()))
}

/// The data of `DATA`, with the engineered features of `--features` appended.
pub fn load_data(args: &DataArgs) -> Result<Dataset, CliError> {
    let mut data = load_raw_data(args)?;
    if let Some(shape) = args.image.or(args.sequence) {
        let source = args.data.as_ref().map_or_else(|| args.dataset.clone(), |p| p.display().to_string());
        data = data.read_as(shape, &source).map_err(|e| CliError::Usage(e.to_string()))?;
    }
    with_features(data, &args.features)
}

/// `data` with the engineered features of `--features` appended, each once, in the order given.
pub fn with_features(data: Dataset, features: &[EngineeredFeature]) -> Result<Dataset, CliError> {
    if features.is_empty() {
        // No copy of a large table when nothing is added.
        return Ok(data);
    }
    let mut chosen: Vec<EngineeredFeature> = Vec::new();
    for &feature in features {
        if !chosen.contains(&feature) {
            chosen.push(feature);
        }
    }
    add_features(&data, &chosen).map_err(|e| CliError::Usage(e.to_string()))
}

fn load_raw_data(args: &DataArgs) -> Result<Dataset, CliError> {
    if let Some(path) = &args.data {
        let loaded = load_file(path, args)?;
        for warning in &loaded.warnings {
            eprintln!("warning: {warning}");
        }
        return Ok(loaded.dataset);
    }
    let builtin = BuiltinDataset::from_name(&args.dataset)
        .ok_or_else(|| CliError::Usage(format!("unknown data set '{}'", args.dataset)))?;
    if !(args.noise >= 0.0 && args.noise.is_finite()) {
        return Err(CliError::Usage(format!("--noise must be zero or more, got {}", args.noise)));
    }
    let settings = GeneratorSettings {
        samples: args.samples as usize,
        noise: args.noise,
        seed: args.seed,
        classes: args.classes as usize,
    };
    let defaults = GeneratorSettings::default();
    if !builtin.is_generated() && (settings.samples != defaults.samples || settings.noise != defaults.noise) {
        eprintln!(
            "warning: {} is a fixed real table; --samples and --noise apply to generated data sets only",
            builtin.name()
        );
    }
    builtin.load(&settings).map_err(|e| CliError::Failure(e.to_string()))
}

/// The MLP activation and the optimizer named on the command line (shared by train, cv and compare).
pub fn activation_and_optimizer(
    activation: &str,
    optimizer: &str,
) -> Result<(Activation, OptimizerKind), CliError> {
    let unknown = |what: &str, name: &str| CliError::Usage(format!("unknown {what} '{name}'"));
    Ok((
        Activation::from_name(activation).ok_or_else(|| unknown("activation", activation))?,
        OptimizerKind::from_name(optimizer).ok_or_else(|| unknown("optimizer", optimizer))?,
    ))
}

/// What the models of a multi-model command (compare, learning-curve) share; each sets its kind.
pub struct SharedTraining<'a> {
    pub layers: &'a [usize],
    pub activation: &'a str,
    pub optimizer: &'a str,
    pub lr: f64,
    pub batch_size: u64,
    pub seed: u64,
}

impl SharedTraining<'_> {
    /// The shared settings as a model configuration; refuses empty layers and a learning rate
    /// that is not a positive number.
    pub fn config(&self) -> Result<ModelConfig, CliError> {
        if self.layers.contains(&0) {
            return Err(CliError::Usage("--layers takes positive sizes such as 8,8".into()));
        }
        if !(self.lr > 0.0 && self.lr.is_finite()) {
            return Err(CliError::Usage(format!(
                "the learning rate must be a positive number such as 0.01, got {}",
                self.lr
            )));
        }
        let (activation, optimizer) = activation_and_optimizer(self.activation, self.optimizer)?;
        Ok(ModelConfig {
            hidden_layers: self.layers.to_vec(),
            activation,
            learning_rate: self.lr,
            batch_size: self.batch_size as usize,
            optimizer,
            seed: self.seed,
            ..ModelConfig::default()
        })
    }
}

pub fn model_config(args: &ModelArgs, seed: u64) -> Result<ModelConfig, CliError> {
    if args.load.is_some() {
        return Err(CliError::Usage(
            "--load continues or scores one saved network: use it with `learnscope train`".into(),
        ));
    }
    if args.model.is_none() && args.net.is_none() {
        // Checked here, not by clap: train's --experiment brings its own model.
        return Err(CliError::Usage(
            "the following required arguments were not provided: --model <MODEL> (or --net SPEC)".into(),
        ));
    }
    let (kind, network) = network_choice(args)?;
    let (activation, optimizer) = activation_and_optimizer(&args.activation, &args.optimizer)?;
    Ok(ModelConfig {
        kind,
        hidden_layers: args.layers.clone(),
        activation,
        learning_rate: args.lr,
        batch_size: args.batch_size as usize,
        optimizer,
        seed,
        network,
        params: parse_params(kind, &args.params)?,
    })
}

/// `--net SPEC` makes the model a network whatever `--model` says; network options (device,
/// init, penalties) also apply to `--model mlp`.
fn network_choice(
    args: &ModelArgs,
) -> Result<(ModelKind, Option<crate::models::network::NetworkSpec>), CliError> {
    use crate::models::network::{DeviceChoice, NetworkOptions, NetworkSpec, WeightInit};
    let bad = |m: String| CliError::Usage(m);
    let device = DeviceChoice::from_name(&args.device)
        .ok_or_else(|| bad(format!("unknown device '{}'", args.device)))?;
    // Said once here, whether the build lacks CUDA or the machine a usable GPU.
    if device == DeviceChoice::Cuda
        && let Some(reason) = crate::models::network::device::cuda_unavailable_reason()
    {
        eprintln!("warning: {reason}");
    }
    for (name, value) in [("--l1", args.l1), ("--l2", args.l2)] {
        if !(value >= 0.0 && value.is_finite()) {
            return Err(bad(format!("{name} must be zero or a positive number, got {value}")));
        }
    }
    let options = NetworkOptions {
        init: WeightInit::from_name(&args.init)
            .ok_or_else(|| bad(format!("unknown weight init '{}'", args.init)))?,
        l1: args.l1,
        l2: args.l2,
        device,
        ..NetworkOptions::default()
    };
    if let Some(text) = &args.net {
        let mut spec = NetworkSpec::parse(text).map_err(|e| bad(format!("--net: {e}")))?;
        spec.options = options;
        return Ok((ModelKind::Mlp, Some(spec)));
    }
    let name = args.model.as_deref().ok_or_else(|| {
        bad("choose a model with --model KIND (e.g. --model mlp) or write a network with --net SPEC".into())
    })?;
    let kind = ModelKind::from_name(name).ok_or_else(|| bad(format!("unknown model '{name}'")))?;
    let network = (kind == ModelKind::Mlp && options != NetworkOptions::default()).then(|| {
        let activation = Activation::from_name(&args.activation).unwrap_or(Activation::Tanh);
        let mut spec = NetworkSpec { options, ..NetworkSpec::mlp(&args.layers, activation) };
        // Images and sequences reach an MLP as flat rows; on vectors flatten changes nothing.
        spec.layers.insert(0, crate::models::network::LayerSpec::Flatten);
        spec
    });
    Ok((kind, network))
}

/// Parses `--param KEY=VALUE` flags against the kind's declared hyper-parameters.
pub fn parse_params(
    kind: ModelKind,
    texts: &[String],
) -> Result<std::collections::BTreeMap<String, crate::models::params::ParamValue>, CliError> {
    texts
        .iter()
        .map(|t| crate::models::params::parse_assignment(kind, t).map_err(|e| CliError::Usage(e.to_string())))
        .collect()
}
