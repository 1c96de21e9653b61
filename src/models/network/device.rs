//! Where networks run: the one place that picks a candle device. The GPU is opened once per
//! process and shared by every network (each `Device::new_cuda` makes its own context, streams
//! and memory pool), and why it cannot be used is remembered as well as the device.

use candle_core::Device;

use super::spec::DeviceChoice;

/// Why networks asked to train on CUDA train on the CPU instead, in words for the student. Each
/// message starts with "CUDA" so it reads the same in the studio and after the CLI's "warning:".
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
enum CudaUnavailable {
    #[cfg_attr(feature = "cuda", allow(dead_code, reason = "made only by a build without CUDA"))]
    #[error(
        "CUDA is not in this build, so training runs on the CPU; rebuild with `cargo build --release --features cuda` (needs the CUDA toolkit) to use a GPU"
    )]
    NotBuilt,
    /// Built with CUDA, but opening GPU 0 failed (no GPU, no driver, ...): candle's message.
    #[cfg_attr(not(feature = "cuda"), allow(dead_code, reason = "made only by a CUDA build"))]
    #[error(
        "CUDA found no usable GPU ({0}), so training runs on the CPU; check the NVIDIA driver (`nvidia-smi` should list a GPU)"
    )]
    NoGpu(String),
}

/// The process's one CUDA device, opened on first use, or why there is none.
#[cfg(feature = "cuda")]
fn cuda() -> Result<&'static Device, CudaUnavailable> {
    static CUDA: std::sync::OnceLock<Result<Device, CudaUnavailable>> = std::sync::OnceLock::new();
    let opened = CUDA.get_or_init(|| Device::new_cuda(0).map_err(|e| CudaUnavailable::NoGpu(e.to_string())));
    opened.as_ref().map_err(Clone::clone)
}

#[cfg(not(feature = "cuda"))]
fn cuda() -> Result<&'static Device, CudaUnavailable> {
    Err(CudaUnavailable::NotBuilt)
}

/// The device for `choice`, plus a warning when CUDA was asked for but cannot be used.
pub fn select_device(choice: DeviceChoice) -> (Device, Option<String>) {
    match choice {
        DeviceChoice::Cpu => (Device::Cpu, None),
        DeviceChoice::Cuda => match cuda() {
            Ok(device) => (device.clone(), None),
            Err(reason) => (Device::Cpu, Some(reason.to_string())),
        },
    }
}

/// Why a network asked to train on CUDA would train on the CPU in this process; `None` when a
/// GPU is usable. Free of candle types, for the studio's device picker and the CLI. The first
/// call in a CUDA build opens the GPU.
pub fn cuda_unavailable_reason() -> Option<String> {
    cuda().err().map(|reason| reason.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_needs_no_warning_and_cuda_always_yields_a_device() {
        let (device, warning) = select_device(DeviceChoice::Cpu);
        assert!(device.is_cpu() && warning.is_none());
        let (device, warning) = select_device(DeviceChoice::Cuda);
        // A CUDA device comes with no warning; the CPU instead of it always with one that says why.
        match (device.is_cuda(), warning) {
            (true, None) => {}
            (false, Some(warning)) => {
                assert!(warning.contains("on the CPU"), "{warning}");
                if cfg!(not(feature = "cuda")) {
                    assert!(warning.contains("--features cuda"), "{warning}");
                }
            }
            (cuda, warning) => panic!("cuda device: {cuda}, warning: {warning:?}"),
        }
    }

    #[test]
    fn every_network_shares_the_one_device_and_the_reason_matches_its_warning() {
        let (first, warning) = select_device(DeviceChoice::Cuda);
        let (second, _) = select_device(DeviceChoice::Cuda);
        assert!(first.same_device(&second));
        assert_eq!(cuda_unavailable_reason(), warning);
    }

    #[test]
    fn both_reasons_say_the_cpu_trains_and_what_to_do() {
        let not_built = CudaUnavailable::NotBuilt.to_string();
        let no_gpu = CudaUnavailable::NoGpu("CUDA_ERROR_NO_DEVICE".into()).to_string();
        for reason in [&not_built, &no_gpu] {
            assert!(reason.starts_with("CUDA ") && reason.contains("training runs on the CPU"), "{reason}");
        }
        assert!(not_built.contains("--features cuda"), "{not_built}");
        assert!(no_gpu.contains("no usable GPU (CUDA_ERROR_NO_DEVICE)"), "{no_gpu}");
        assert!(no_gpu.contains("nvidia-smi") && !no_gpu.contains("--features"), "{no_gpu}");
        if cfg!(not(feature = "cuda")) {
            assert_eq!(cuda_unavailable_reason(), Some(not_built));
        }
    }
}
