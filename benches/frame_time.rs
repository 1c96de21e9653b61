//! Headless frame-time benchmark: the real studio training its default network with the live
//! boundary, stepped frame by frame with egui_kittest, while each side view is open in turn
//! (curves, metrics, then "What it learned" with every network view open: diagram, unit maps,
//! histograms, gradient norms). Reports the CPU time of each frame (layout + tessellation, as
//! the UI thread spends it; GPU upload excluded) as median and 95th percentile, overall and per view.
//!
//! With a CSV file, the studio first loads it (as the file dialog does) and trains on it: a
//! million rows check that a big file keeps the window responsive.
//!
//!     cargo bench --bench frame_time [-- SECONDS] [FILE.csv]

use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use learnscope::ui::StudioApp;

fn thread_cpu_time() -> Duration {
    // CLOCK_THREAD_CPUTIME_ID: time this thread ran, not time it waited for the other core.
    let mut ts = libc_timespec { tv_sec: 0, tv_nsec: 0 };
    unsafe { clock_gettime(3, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

#[repr(C)]
struct libc_timespec {
    tv_sec: i64,
    tv_nsec: i64,
}

unsafe extern "C" {
    fn clock_gettime(clock: i32, ts: *mut libc_timespec) -> i32;
}

/// The side views, each measured in turn while the network trains with the live boundary.
/// "What it learned" opens every network view, the closed-by-default ones included; the backprop
/// stepper then opens over it (its walk refreshed with every boundary).
const VIEWS: [&str; 4] = ["Curves", "Metrics", "What it learned", "Backprop stepper"];
/// Network views closed by default, opened for the measurement (labels of ui/network_view.rs).
const CLOSED_NETWORK_VIEWS: [&str; 2] = ["Weight and gradient histograms", "Gradient norms"];

fn percentiles(frames: &mut [f64]) -> (f64, f64, f64) {
    if frames.is_empty() {
        return (0.0, 0.0, 0.0);
    }
    frames.sort_by(f64::total_cmp);
    let pick = |q: f64| frames[((frames.len() - 1) as f64 * q).round() as usize];
    (pick(0.5), pick(0.95), pick(1.0))
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let seconds: f64 = args.iter().find_map(|a| a.parse().ok()).unwrap_or(10.0);
    let csv = args.iter().find(|a| a.parse::<f64>().is_err());
    let mut harness =
        Harness::builder().with_size(egui::vec2(1280.0, 800.0)).build_eframe(|cc| StudioApp::new(cc));
    harness.run_steps(3);
    if let Some(path) = csv {
        let loading = Instant::now();
        harness.state_mut().load_path(path.into());
        while harness.state().is_loading() {
            harness.step();
            std::thread::sleep(Duration::from_millis(16));
        }
        eprintln!(
            "loaded {} rows in {:.2} s",
            harness.state().data().rows(),
            loading.elapsed().as_secs_f64()
        );
    }
    harness.get_by_label("Play").click();
    let mut per_view: Vec<Vec<f64>> = vec![Vec::new(); VIEWS.len()];
    let mut opened = Vec::new();
    let started = Instant::now();
    // A fifth of the time on Curves, a fifth on Metrics, two on "What it learned", the last
    // fifth with the stepper open as well.
    let view_at = |elapsed: f64| match elapsed / seconds {
        f if f < 0.2 => 0,
        f if f < 0.4 => 1,
        f if f < 0.8 => 2,
        _ => 3,
    };
    let mut current = usize::MAX;
    while started.elapsed().as_secs_f64() < seconds {
        let view = view_at(started.elapsed().as_secs_f64());
        if view != current {
            current = view;
            harness.get_by_label(VIEWS[view]).click();
            harness.run_steps(2);
        }
        if view >= 2 && opened.len() < CLOSED_NETWORK_VIEWS.len() {
            // The network views appear once the first snapshot of the network arrived.
            for label in CLOSED_NETWORK_VIEWS {
                if !opened.contains(&label)
                    && let Some(header) = harness.query_by_label(label)
                {
                    header.click_accesskit();
                    opened.push(label);
                }
            }
        }
        let cpu = thread_cpu_time();
        harness.step();
        per_view[view].push((thread_cpu_time() - cpu).as_secs_f64() * 1000.0);
        // About 60 frames a second, as a display would ask for.
        std::thread::sleep(Duration::from_millis(16));
    }
    // What the last view held, so a run that drew nothing shows it.
    let unit_maps = harness.query_all_by_label_contains("unit map: layer").count();
    let stepper = harness.query_all_by_label_contains("backprop diagram:").count();
    let app = harness.state();
    let mut all: Vec<f64> = per_view.iter().flatten().copied().collect();
    let (median, p95, max) = percentiles(&mut all);
    let views: Vec<String> = VIEWS
        .iter()
        .zip(per_view.iter_mut())
        .map(|(name, frames)| {
            let count = frames.len();
            let (median, p95, max) = percentiles(frames);
            format!(
                "\"{name}\": {{\"frames\": {count}, \"median_ms\": {median:.3}, \"p95_ms\": {p95:.3}, \"max_ms\": {max:.3}}}"
            )
        })
        .collect();
    println!(
        "{{\"frames\": {}, \"median_ms\": {median:.3}, \"p95_ms\": {p95:.3}, \"max_ms\": {max:.3}, \"views\": {{{}}}, \"opened\": {:?}, \"unit_maps\": {unit_maps}, \"stepper_diagrams\": {stepper}, \"epochs\": {}, \"boundary_refreshes\": {}, \"loss_points\": {}, \"rewind_snapshots\": {}}}",
        all.len(),
        views.join(", "),
        opened,
        app.epoch(),
        app.boundary_refreshes(),
        app.loss_points(),
        app.snapshot_count()
    );
}
