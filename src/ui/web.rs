//! The studio in a browser tab: eframe's web runner on the page's canvas, downloads, the page
//! title and the link the page was opened with. Only the browser build compiles this file.

use eframe::wasm_bindgen::JsCast as _;
use wasm_bindgen::prelude::*;

use super::StudioApp;

/// Starts the studio on the canvas `#learnscope`, opened with the set-up in the page's link.
pub fn start() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
    let Some(canvas) = document
        .get_element_by_id("learnscope")
        .and_then(|e| e.dyn_into::<web_sys::HtmlCanvasElement>().ok())
    else {
        web_sys::console::error_1(&"Learnscope: the page has no <canvas id=\"learnscope\">".into());
        return;
    };
    let link = page_link();
    wasm_bindgen_futures::spawn_local(async move {
        let started = eframe::WebRunner::new()
            .start(
                canvas,
                eframe::WebOptions::default(),
                Box::new(move |cc| {
                    let mut app = StudioApp::new(cc);
                    if let Some(link) = link {
                        app.open_link(&link);
                    }
                    Ok(Box::new(app))
                }),
            )
            .await;
        if let Err(e) = started {
            web_sys::console::error_1(&format!("Learnscope could not start: {e:?}").into());
            if let Some(loading) = document.get_element_by_id("loading") {
                loading
                    .set_text_content(Some("Learnscope could not start in this browser (it needs WebGL)."));
            }
        } else if let Some(loading) = document.get_element_by_id("loading") {
            loading.remove();
        }
    });
}

/// The address the page was opened with, when it carries a set-up in its fragment.
fn page_link() -> Option<String> {
    let href = web_sys::window()?.location().href().ok()?;
    href.contains('#').then_some(href)
}

/// The address of this page without its fragment, for links the studio makes.
pub fn page_address() -> Option<String> {
    let href = web_sys::window()?.location().href().ok()?;
    Some(href.split('#').next().unwrap_or(&href).to_string())
}

/// Offers `bytes` as a download named `name`.
pub fn download(name: &str, bytes: &[u8]) -> Result<(), String> {
    let fail = |what: &str| format!("{name} could not be downloaded: {what}");
    let document = web_sys::window().and_then(|w| w.document()).ok_or_else(|| fail("no page"))?;
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let blob = web_sys::Blob::new_with_u8_array_sequence(&parts).map_err(|_| fail("no blob"))?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|_| fail("no address"))?;
    let anchor = document
        .create_element("a")
        .ok()
        .and_then(|a| a.dyn_into::<web_sys::HtmlAnchorElement>().ok())
        .ok_or_else(|| fail("no link"))?;
    anchor.set_href(&url);
    anchor.set_download(name);
    anchor.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}

/// Shows `title` as the tab's title (the headless browser test reads it too).
pub fn set_title(title: &str) {
    if let Some(document) = web_sys::window().and_then(|w| w.document()) {
        document.set_title(title);
    }
}

/// Milliseconds since the page started loading.
pub fn page_milliseconds() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
}

/// Writes a line to the browser's console.
pub fn log(line: &str) {
    web_sys::console::log_1(&JsValue::from_str(line));
}

/// Runs benchmark workloads (`learnscope bench`'s W1–W10) in the page on files the page fetched
/// (`names[i]` holds `texts[i]`); returns the report as JSON. The browser test calls it to put
/// the page beside the native binary on the same data.
#[wasm_bindgen]
pub fn bench_in_page(workloads: &str, names: Vec<String>, texts: Vec<String>) -> Result<String, JsValue> {
    let files = |file: &str| {
        let index = names.iter().position(|n| n == file).ok_or_else(|| format!("{file} was not given"))?;
        crate::data::csv_loader::load_csv_bytes(file, texts[index].as_bytes(), &Default::default())
            .map(|loaded| loaded.dataset)
            .map_err(|e| e.to_string())
    };
    let only: Vec<String> = workloads.split(',').map(|w| w.trim().to_string()).collect();
    let report = crate::bench::run_with(&files, &only, 0).map_err(|e| JsValue::from_str(&e))?;
    serde_json::to_string(&report).map_err(|e| JsValue::from_str(&e.to_string()))
}

thread_local! {
    /// How long the studio's last frames took to lay out and handle (ms), newest last.
    static FRAME_TIMES: std::cell::RefCell<std::collections::VecDeque<f64>> = Default::default();
}

/// Keeps the time one frame of the studio took.
pub fn record_frame(milliseconds: f64) {
    FRAME_TIMES.with(|times| {
        let mut times = times.borrow_mut();
        if times.len() == 600 {
            times.pop_front();
        }
        times.push_back(milliseconds);
    });
}

/// The studio's last frame times in milliseconds (up to 600), for the browser test's figures.
#[wasm_bindgen]
pub fn frame_times_ms() -> Vec<f64> {
    FRAME_TIMES.with(|times| times.borrow().iter().copied().collect())
}

/// The work `web/worker.js` runs for `BackgroundTasks::spawn_in_worker`, by kind; `progress` is
/// called with (share done, stage). Returns JSON text.
#[wasm_bindgen]
pub fn run_in_worker(kind: &str, input: &str, progress: &js_sys::Function) -> Result<String, JsValue> {
    let fail = |e: String| JsValue::from_str(&e);
    match kind {
        "lesson" => {
            #[derive(serde::Deserialize)]
            struct LessonRequest {
                lesson: crate::lessons::Lesson,
                quick: bool,
                #[serde(default)]
                full: bool,
            }
            let request: LessonRequest = serde_json::from_str(input).map_err(|e| fail(e.to_string()))?;
            let report_progress = |fraction: f32, stage: &str| {
                let _ = progress.call2(&JsValue::NULL, &JsValue::from(fraction), &JsValue::from_str(stage));
            };
            // The page cancels by stopping the worker.
            let never = std::sync::atomic::AtomicBool::new(false);
            let options = crate::lessons::RunOptions { quick: request.quick, full: request.full };
            // The chart so far goes to the page as a third argument, which the worker posts as
            // {partial}.
            let report_partial = |report: &crate::lessons::LessonReport| {
                if let Ok(json) = serde_json::to_string(report) {
                    let _ = progress.call3(
                        &JsValue::NULL,
                        &JsValue::from(-1.0),
                        &JsValue::from_str(""),
                        &JsValue::from_str(&json),
                    );
                }
            };
            let report = crate::lessons::run_lesson_live(
                &request.lesson,
                &options,
                &report_progress,
                &report_partial,
                &never,
            )
            .map_err(|e| fail(e.to_string()))?;
            serde_json::to_string(&report).map_err(|e| fail(e.to_string()))
        }
        "duel-table" => {
            #[derive(serde::Deserialize)]
            struct DuelRequest {
                data: crate::data::Dataset,
                split: crate::data::Split,
                contenders: Vec<crate::lessons::duel::Contender>,
            }
            let request: DuelRequest = serde_json::from_str(input).map_err(|e| fail(e.to_string()))?;
            let data = std::sync::Arc::new(request.data);
            let never = std::sync::atomic::AtomicBool::new(false);
            let duel = crate::lessons::duel(
                &data,
                &request.split,
                &request.contenders,
                true,
                None,
                &|_, _| {},
                &never,
            )
            .map_err(|e| fail(e.to_string()))?;
            serde_json::to_string(&duel.table("Duel")).map_err(|e| fail(e.to_string()))
        }
        other => Err(fail(format!("no worker task named {other}"))),
    }
}
