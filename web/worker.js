// A web worker running the studio's long work (a lesson) on the same wasm, so the page keeps
// drawing: the studio posts {kind, input} and hears back {progress: [share, stage]}, {partial}
// (a lesson's chart so far, JSON) and then
// {result} or {error} (src/ui/background.rs, spawn_in_worker).
import init, { run_in_worker } from "./learnscope.js";

const ready = init();
self.onmessage = async (event) => {
  const { kind, input } = event.data;
  try {
    await ready;
    const result = run_in_worker(kind, input, (share, stage, partial) =>
      self.postMessage(partial === undefined ? { progress: [share, stage] } : { partial }));
    self.postMessage({ result });
  } catch (e) {
    self.postMessage({ error: String(e?.message ?? e) });
  }
};
