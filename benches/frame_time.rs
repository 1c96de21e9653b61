//! Headless frame-time benchmark: the real studio, training live, stepped frame by frame with
//! egui_kittest. Reports the CPU time of each frame (layout + tessellation, as the UI thread
//! spends it; GPU upload excluded) as median and 95th percentile.
//!
//!     cargo bench --bench frame_time [-- SECONDS]

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

fn main() {
    let seconds: f64 = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(10.0);
    let mut harness =
        Harness::builder().with_size(egui::vec2(1280.0, 800.0)).build_eframe(|cc| StudioApp::new(cc));
    harness.run_steps(3);
    harness.get_by_label("Play").click();
    let mut frames = Vec::new();
    let started = Instant::now();
    while started.elapsed().as_secs_f64() < seconds {
        let cpu = thread_cpu_time();
        harness.step();
        frames.push((thread_cpu_time() - cpu).as_secs_f64() * 1000.0);
        // About 60 frames a second, as a display would ask for.
        std::thread::sleep(Duration::from_millis(16));
    }
    let app = harness.state();
    frames.sort_by(f64::total_cmp);
    let pick = |q: f64| frames[((frames.len() - 1) as f64 * q).round() as usize];
    println!(
        "{{\"frames\": {}, \"median_ms\": {:.3}, \"p95_ms\": {:.3}, \"max_ms\": {:.3}, \"epochs\": {}, \"boundary_refreshes\": {}, \"loss_points\": {}}}",
        frames.len(),
        pick(0.5),
        pick(0.95),
        pick(1.0),
        app.epoch(),
        app.boundary_refreshes(),
        app.loss_points()
    );
}
