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
