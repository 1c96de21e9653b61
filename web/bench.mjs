// W1 and W3 of `learnscope bench` run in the page (headless Chromium) and by the native binary,
// alternating, on the same CSV files; prints the medians and the page/native ratio.
// Usage: node web/bench.mjs URL DATA_DIR BINARY [RUNS]   (web/bench sets these up)
import { chromium } from "playwright-core";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

const [url, dataDir, binary, runsText] = process.argv.slice(2);
const runs = Number(runsText ?? 5);
const files = ["moons500.csv", "digits_train.csv", "digits_test.csv"];
const texts = files.map((f) => readFileSync(`${dataDir}/${f}`, "utf8"));
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--disable-background-networking"],
});
const page = await browser.newPage();
await page.goto(url);
await page.waitForFunction(() => document.title.startsWith("Learnscope ·"), null, { timeout: 60000 });
const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const results = { page: { W1: [], W3: [] }, native: { W1: [], W3: [] } };
for (let run = 0; run < runs; run++) {
  for (const key of ["W1", "W3"]) {
    const report = JSON.parse(
      await page.evaluate(
        async ([key, names, texts]) => (await import("./learnscope.js")).bench_in_page(key, names, texts),
        [key, files, texts],
      ),
    );
    results.page[key].push(report[key]);
    const native = JSON.parse(
      execFileSync(binary, ["bench", "--data-dir", dataDir, "--only", key, "--json"], { encoding: "utf8" }),
    );
    results.native[key].push(native[key]);
  }
}
await browser.close();
for (const key of ["W1", "W3"]) {
  const p = median(results.page[key]);
  const n = median(results.native[key]);
  console.log(JSON.stringify({ workload: key, runs, page_median_s: p, native_median_s: n, page_over_native: p / n }));
}
