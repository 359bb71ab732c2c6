// Build the partial plotly.js bundle that the Ouroboros dashboard and report ship.
//
//   cd tools/plotly_bundle && npm ci && npm run build
//
// The dashboard draws only a handful of trace types; the full plotly.js bundle (4.8 MB,
// about 1.4 s to parse and run in a fresh headless Chromium here) is most of a first page
// load. This script bundles plotly.js's own per-trace modules (lib/core + lib/<trace>) with
// esbuild into one minified IIFE that sets window.Plotly, and writes the licences of every
// package that ends up in it. Keep TRACES equal to ouroboros.dashboard.BUNDLED_TRACES (a
// test compares them through the bundle's first line).
import { readFileSync, readdirSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "..", "src", "ouroboros", "_vendor");
const TRACES = ["scatter", "bar", "box", "histogram", "heatmap", "indicator", "sankey"];

const pkg = (name) => JSON.parse(readFileSync(join(here, "node_modules", name, "package.json")));
const plotly = pkg("plotly.js");
// lib/core registers scatter itself; every other trace is registered here.
const entry = [
  "var Plotly = require('plotly.js/lib/core');",
  "Plotly.register([",
  ...TRACES.filter((t) => t !== "scatter").map((t) => `  require('plotly.js/lib/${t}'),`),
  "]);",
  "module.exports = Plotly;",
].join("\n");

const banner =
  `/*! plotly.js ${plotly.version} partial bundle for Ouroboros; traces: ${TRACES.join(" ")}. ` +
  "plotly.js is (c) Plotly Technologies Inc., MIT licence; built by " +
  "tools/plotly_bundle/build.mjs, licences of every bundled package in " +
  "THIRD-PARTY-LICENSES.txt beside this file. */";

mkdirSync(out, { recursive: true });
const result = await esbuild.build({
  stdin: { contents: entry, resolveDir: here, loader: "js" },
  bundle: true,
  minify: true,
  format: "iife",
  globalName: "Plotly",
  define: { global: "window" },
  // plotly.js pulls in map-library CSS that no bundled trace uses; its own styles are JS
  loader: { ".css": "empty" },
  legalComments: "none",
  banner: { js: banner },
  metafile: true,
  target: "es2017",
  outfile: join(out, "plotly-partial.min.js"),
});

// Every package with a file in the bundle, and its licence text.
const used = new Set();
for (const [input, info] of Object.entries(result.metafile.outputs[Object.keys(result.metafile.outputs)[0]].inputs)) {
  if (info.bytesInOutput === 0) continue;
  const m = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//);
  if (m) used.add(m[1]);
}
const sections = [];
for (const name of [...used].sort()) {
  const meta = pkg(name);
  const dir = join(here, "node_modules", name);
  const file = readdirSync(dir).find((f) => /^(licen[cs]e|copying)/i.test(f));
  const text = file ? readFileSync(join(dir, file), "utf8").trim() : `(no licence file; package.json says: ${meta.license})`;
  sections.push(`${"=".repeat(78)}\n${name} ${meta.version} (${meta.license})\n${"=".repeat(78)}\n${text}\n`);
}
writeFileSync(
  join(out, "THIRD-PARTY-LICENSES.txt"),
  "Licences of the packages inside plotly-partial.min.js (built by tools/plotly_bundle/build.mjs).\n\n" +
    sections.join("\n"),
);
const bytes = readFileSync(join(out, "plotly-partial.min.js")).length;
console.log(`plotly-partial.min.js: ${(bytes / 1e6).toFixed(2)} MB, ${used.size} packages, traces ${TRACES.join(", ")}`);
