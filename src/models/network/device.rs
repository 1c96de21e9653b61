//! Where networks run: the one place that picks a candle device.

use candle_core::Device;

use super::spec::DeviceChoice;

/// The device for `choice`, plus a warning when CUDA was asked for but cannot be used.
pub fn select_device(choice: DeviceChoice) -> (Device, Option<String>) {
    match choice {
        DeviceChoice::Cpu => (Device::Cpu, None),
        DeviceChoice::Cuda => cuda_or_cpu(),
    }
}

#[cfg(feature = "cuda")]
fn cuda_or_cpu() -> (Device, Option<String>) {
    match Device::new_cuda(0) {
        Ok(device) => (device, None),
        Err(e) => (
            Device::Cpu,
            Some(format!(
                "CUDA was asked for but no usable GPU was found ({e}); training on the CPU instead"
            )),
        ),
    }
}

#[cfg(not(feature = "cuda"))]
fn cuda_or_cpu() -> (Device, Option<String>) {
    (
        Device::Cpu,
        Some(
            "this build has no CUDA support, so training runs on the CPU; rebuild with `cargo build --release --features cuda` (needs the CUDA toolkit) to use a GPU".into(),
        ),
    )
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
}
