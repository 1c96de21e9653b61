//! Helpers shared by the end-to-end tests: running the binary, and stepping the studio.
#![allow(dead_code)]

use std::process::{Command, Output};
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use learnscope::ui::StudioApp;

pub fn learnscope(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_learnscope")).args(args).output().expect("the binary runs")
}

pub fn json_of(output: &Output) -> serde_json::Value {
    assert!(output.status.success(), "failed: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("stdout is one JSON object")
}

/// Exit code 2 and one clear message, never a panic.
pub fn assert_usage_error(args: &[&str], expected: &str) {
    let output = learnscope(args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "args {args:?}: stderr {stderr}");
    assert!(stderr.contains(expected), "args {args:?}: expected '{expected}' in: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// A press and release of `button` at `pos`, the pointer resting there first, as a mouse does
/// (a plot reads where the pointer is, so the press must not come before the move). Fixed frame
/// counts: `run()` fails when a background thread keeps asking for repaints.
pub fn click_at(harness: &mut Harness<'_, StudioApp>, pos: egui::Pos2, button: egui::PointerButton) {
    harness.hover_at(pos);
    harness.run_steps(4);
    for pressed in [true, false] {
        harness.event(egui::Event::PointerButton { pos, button, pressed, modifiers: egui::Modifiers::NONE });
    }
    harness.run_steps(3);
}

/// The real studio in a headless window of this size.
pub fn studio_sized(width: f32, height: f32) -> Harness<'static, StudioApp> {
    Harness::builder().with_size(egui::vec2(width, height)).build_eframe(|cc| StudioApp::new(cc))
}

/// Steps frames (letting the worker run in real time) until `done` holds or the time is up.
pub fn step_until(
    harness: &mut Harness<'_, StudioApp>,
    limit: Duration,
    done: impl Fn(&StudioApp) -> bool,
) -> bool {
    step_until_pausing(harness, limit, Duration::from_millis(10), done)
}

/// `step_until` with a longer `pause` between frames, so a long background job (a lesson), not
/// the headless renderer, gets the CPU.
pub fn step_until_pausing(
    harness: &mut Harness<'_, StudioApp>,
    limit: Duration,
    pause: Duration,
    done: impl Fn(&StudioApp) -> bool,
) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        harness.step();
        if done(harness.state()) {
            return true;
        }
        std::thread::sleep(pause);
    }
    false
}
