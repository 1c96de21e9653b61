//! The one place the studio starts background work (loading files, dialogs, exports, lesson runs,
//! the duel's table) and gets its results back. Each task has a name, can report progress and be
//! cancelled, and wakes the UI once when its result is ready; panels poll their `Task` once per
//! frame. The training worker has its own thread and channel (`training::TrainingWorker`).
//!
//! This is the seam the browser build swaps: there, without threads, `spawn` runs the work at
//! once between two frames and `spawn_local` awaits the browser's asynchronous dialogs.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use web_time::Instant;

use crate::training::Waker;

/// What a running task shares with the UI: a cancel flag and its latest progress.
#[derive(Default)]
pub struct TaskControl {
    cancelled: AtomicBool,
    /// Share done (0 to 1) and what it is doing now.
    progress: Mutex<(f32, String)>,
    /// The latest partial result as JSON (a lesson's chart so far), taken by the UI.
    partial: Mutex<Option<String>>,
    /// In the browser: the web worker running the task, stopped by a cancel.
    /// (The browser has one thread, so the wrapper's check never fires.)
    #[cfg(target_arch = "wasm32")]
    worker: Mutex<Option<send_wrapper::SendWrapper<web_sys::Worker>>>,
}

/// Handed to the work: report progress, notice a cancel.
pub struct TaskContext {
    control: Arc<TaskControl>,
    waker: Waker,
    /// Alive while the work runs; the registry holds a weak copy to know what is running.
    _alive: Arc<()>,
}

/// Wakes the UI when the work ends, whether it returned or panicked.
struct WakeOnDrop(Waker);

impl Drop for WakeOnDrop {
    fn drop(&mut self) {
        (self.0)();
    }
}

impl TaskContext {
    /// True once the UI has cancelled this task; long work checks it between steps.
    pub fn is_cancelled(&self) -> bool {
        self.control.cancelled.load(Ordering::Relaxed)
    }

    /// The flag itself, for core functions that take an `&AtomicBool` to stop early.
    pub fn cancel_flag(&self) -> &AtomicBool {
        &self.control.cancelled
    }

    /// Reports how far the work is; the UI is woken to show it.
    pub fn report(&self, fraction: f32, stage: &str) {
        if let Ok(mut progress) = self.control.progress.lock() {
            *progress = (fraction.clamp(0.0, 1.0), stage.to_string());
        }
        (self.waker)();
    }

    /// Hands the UI a partial result (JSON) to show before the work ends; only the newest is kept.
    pub fn report_partial(&self, json: String) {
        if let Ok(mut slot) = self.control.partial.lock() {
            *slot = Some(json);
        }
        (self.waker)();
    }
}

/// A task started by `BackgroundTasks::spawn`; its result arrives once.
pub struct Task<T> {
    name: String,
    started: Instant,
    result: Receiver<T>,
    control: Arc<TaskControl>,
}

impl<T> Task<T> {
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// The result once the work is done; `Ok(None)` while it still runs, `Err` when the work
    /// ended without one (it panicked, or could not start).
    pub fn poll(&self) -> Result<Option<T>, String> {
        match self.result.try_recv() {
            Ok(value) => Ok(Some(value)),
            Err(TryRecvError::Empty) => Ok(None),
            Err(TryRecvError::Disconnected) => Err(format!("{} stopped unexpectedly", self.name)),
        }
    }

    /// The newest partial result (JSON) since the last call, if any.
    pub fn take_partial(&self) -> Option<String> {
        self.control.partial.lock().ok().and_then(|mut slot| slot.take())
    }

    /// Share done and the current stage, as last reported.
    pub fn progress(&self) -> (f32, String) {
        self.control.progress.lock().map(|p| p.clone()).unwrap_or_default()
    }

    /// Asks the work to stop at its next check; its result, if any, is not awaited.
    pub fn cancel(&self) {
        self.control.cancelled.store(true, Ordering::Relaxed);
        #[cfg(target_arch = "wasm32")]
        if let Some(worker) = self.control.worker.lock().ok().and_then(|mut w| w.take()) {
            worker.terminate();
        }
    }
}

/// The registry: starts tasks and knows which are still running.
#[derive(Clone)]
pub struct BackgroundTasks {
    waker: Waker,
    running: Arc<Mutex<Vec<(String, Weak<()>)>>>,
}

impl BackgroundTasks {
    pub fn new(waker: Waker) -> Self {
        Self { waker, running: Arc::default() }
    }

    /// Wakes the UI (for the training worker, which reports through its own channel).
    pub fn waker(&self) -> Waker {
        Arc::clone(&self.waker)
    }

    /// Runs `work` off the UI thread; the UI is woken when its result is ready.
    pub fn spawn<T: Send + 'static>(
        &self,
        name: impl Into<String>,
        work: impl FnOnce(&TaskContext) -> T + Send + 'static,
    ) -> Task<T> {
        let name = name.into();
        let control = Arc::new(TaskControl::default());
        let (sender, result) = mpsc::channel();
        let alive = self.register(&name);
        let context =
            TaskContext { control: Arc::clone(&control), waker: Arc::clone(&self.waker), _alive: alive };
        #[cfg(not(target_arch = "wasm32"))]
        {
            let spawned = std::thread::Builder::new().name(name.clone()).spawn(move || {
                let _wake = WakeOnDrop(Arc::clone(&context.waker));
                let value = work(&context);
                // No longer running once the result is out.
                drop(context);
                // A receiver dropped by a cancel has nothing left to hear.
                let _ = sender.send(value);
            });
            if spawned.is_err() {
                // The sender is gone with the closure: `poll` reports that the work did not run.
                (self.waker)();
            }
        }
        // The browser has no threads: the work runs now, between two frames.
        #[cfg(target_arch = "wasm32")]
        {
            let _wake = WakeOnDrop(Arc::clone(&context.waker));
            let value = work(&context);
            drop(context);
            let _ = sender.send(value);
        }
        Task { name, started: Instant::now(), result, control }
    }

    /// Runs a future on the browser's event loop (its file dialogs are asynchronous); the UI is
    /// woken when its result is ready.
    #[cfg(target_arch = "wasm32")]
    pub fn spawn_local<T: 'static>(
        &self,
        name: impl Into<String>,
        work: impl std::future::Future<Output = T> + 'static,
    ) -> Task<T> {
        let name = name.into();
        let control = Arc::new(TaskControl::default());
        let (sender, result) = mpsc::channel();
        let alive = self.register(&name);
        let waker = Arc::clone(&self.waker);
        wasm_bindgen_futures::spawn_local(async move {
            let _wake = WakeOnDrop(waker);
            let value = work.await;
            drop(alive);
            let _ = sender.send(value);
        });
        Task { name, started: Instant::now(), result, control }
    }

    /// Runs long work (a lesson) in a web worker, `web/worker.js`, which runs the same wasm
    /// (`web::run_in_worker(kind, input)`), so the page keeps drawing. Progress arrives as the
    /// task's progress; the result (JSON text, or a message) goes through `decode`. A cancel
    /// stops the worker.
    #[cfg(target_arch = "wasm32")]
    pub fn spawn_in_worker<T: 'static>(
        &self,
        name: impl Into<String>,
        kind: &str,
        input: String,
        decode: impl Fn(Result<String, String>) -> T + 'static,
    ) -> Task<T> {
        use wasm_bindgen::JsCast as _;
        use wasm_bindgen::JsValue;
        use wasm_bindgen::closure::Closure;
        let name = name.into();
        let control = Arc::new(TaskControl::default());
        let (sender, result) = mpsc::channel();
        let options = web_sys::WorkerOptions::new();
        options.set_type(web_sys::WorkerType::Module);
        let worker = match web_sys::Worker::new_with_options("./worker.js", &options) {
            Ok(worker) => worker,
            Err(e) => {
                let _ = sender.send(decode(Err(format!("{name} could not start a web worker: {e:?}"))));
                (self.waker)();
                return Task { name, started: Instant::now(), result, control };
            }
        };
        let (waker, shared) = (Arc::clone(&self.waker), Arc::clone(&control));
        let on_message =
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
                let data = event.data();
                let field = |key: &str| {
                    js_sys::Reflect::get(&data, &JsValue::from_str(key)).ok().filter(|v| !v.is_undefined())
                };
                if let Some(partial) = field("partial").and_then(|p| p.as_string()) {
                    if let Ok(mut slot) = shared.partial.lock() {
                        *slot = Some(partial);
                    }
                } else if let Some(progress) = field("progress") {
                    let progress = js_sys::Array::from(&progress);
                    let fraction = progress.get(0).as_f64().unwrap_or(0.0) as f32;
                    if let Ok(mut shown) = shared.progress.lock() {
                        *shown = (fraction.clamp(0.0, 1.0), progress.get(1).as_string().unwrap_or_default());
                    }
                } else if let Some(text) = field("result") {
                    let _ = sender.send(decode(Ok(text.as_string().unwrap_or_default())));
                } else {
                    let message = field("error")
                        .and_then(|e| e.as_string())
                        .unwrap_or_else(|| "the web worker failed".into());
                    let _ = sender.send(decode(Err(message)));
                }
                waker();
            });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        // The handler lives as long as the page; one per task started.
        on_message.forget();
        let request = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&request, &"kind".into(), &kind.into());
        let _ = js_sys::Reflect::set(&request, &"input".into(), &input.into());
        let _ = worker.post_message(&request);
        if let Ok(mut slot) = control.worker.lock() {
            *slot = Some(send_wrapper::SendWrapper::new(worker));
        }
        Task { name, started: Instant::now(), result, control }
    }

    /// Counts a task as running while the returned token lives.
    fn register(&self, name: &str) -> Arc<()> {
        let alive = Arc::new(());
        if let Ok(mut running) = self.running.lock() {
            running.retain(|(_, task)| task.strong_count() > 0);
            running.push((name.to_string(), Arc::downgrade(&alive)));
        }
        alive
    }

    /// The names of tasks whose work has not finished, oldest first.
    pub fn running(&self) -> Vec<String> {
        let Ok(running) = self.running.lock() else { return Vec::new() };
        running.iter().filter(|(_, task)| task.strong_count() > 0).map(|(name, _)| name.clone()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wait<T>(task: &Task<T>) -> Result<T, String> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match task.poll() {
                Ok(Some(value)) => return Ok(value),
                Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
                Ok(None) => panic!("{} did not finish", task.name()),
                Err(e) => return Err(e),
            }
        }
    }

    #[test]
    fn a_task_delivers_its_result_and_wakes_the_ui() {
        let wakes = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = Arc::clone(&wakes);
        let tasks = BackgroundTasks::new(Arc::new(move || {
            counter.fetch_add(1, Ordering::Relaxed);
        }));
        let task = tasks.spawn("sum", |context| {
            context.report(0.5, "adding");
            (1..=10).sum::<u32>()
        });
        assert_eq!(wait(&task), Ok(55));
        assert_eq!(task.progress(), (0.5, "adding".to_string()));
        assert!(wakes.load(Ordering::Relaxed) >= 2, "progress and result each wake the UI");
        assert!(tasks.running().is_empty());
    }

    #[test]
    fn a_cancelled_task_sees_the_flag_and_a_panic_is_reported() {
        let tasks = BackgroundTasks::new(Arc::new(|| {}));
        let (go, wait_for_go) = mpsc::channel::<()>();
        let task = tasks.spawn("long", move |context| {
            let _ = wait_for_go.recv();
            context.is_cancelled()
        });
        assert_eq!(tasks.running(), vec!["long".to_string()]);
        task.cancel();
        go.send(()).unwrap();
        assert_eq!(wait(&task), Ok(true));

        let broken = tasks.spawn("broken", |_| -> u32 { panic!("bad input") });
        assert_eq!(wait(&broken), Err("broken stopped unexpectedly".to_string()));
    }
}
