// Output of the bench: the markdown tables for stdout and a dependency-free SVG bar chart.

/** ms with about 3 significant digits; "–" for a missing value. */
export function fmtMs(ms) {
  if (ms == null || !Number.isFinite(ms)) return "–";
  if (ms >= 100) return ms.toFixed(0);
  if (ms >= 10) return ms.toFixed(1);
  if (ms >= 1) return ms.toFixed(2);
  return ms.toPrecision(3);
}

export function fmtNum(x, digits = 2) {
  if (x == null || !Number.isFinite(x)) return "–";
  if (x >= 100) return x.toFixed(0);
  if (x >= 10) return x.toFixed(1);
  if (x >= 0.1) return x.toFixed(digits);
  return x.toPrecision(2);
}

const shapeLabel = (s) => `${s.name} B${s.B} T${s.T} I${s.I} H${s.H}`;

/** A share as a percentage ("87.5 %"), "–" when missing. */
export function fmtShare(x) {
  return x == null || !Number.isFinite(x) ? "–" : `${(100 * x).toFixed(1)} %`;
}

/**
 * The main table. Ratios are time ratios ours_ms / peer_ms: below 1 means ours is faster. The
 * share is ours' GFLOP/s over the SIMD128 peak kernel's, measured in the same rounds.
 * @param {Array} shapes entries of the results file's `shapes`
 */
export function markdownTable(shapes) {
  const ms = (s, impl) => s.results[impl]?.medianMs;
  const lines = [
    "| shape | ours ms | ort-web ms | ort-node ms | tfjs-wasm ms | GFLOP/s ours | share of peak | ours/ort-web | ours/ort-node " +
      "| ours/tfjs-wasm |",
    "|---|---|---|---|---|---|---|---|---|---|",
  ];
  for (const s of shapes) {
    lines.push(
      `| ${shapeLabel(s)} | ${fmtMs(ms(s, "ours"))} | ${fmtMs(ms(s, "ort-web"))} | ${fmtMs(ms(s, "ort-node"))} | ` +
        `${fmtMs(ms(s, "tfjs-wasm"))} | ${fmtNum(s.results.ours?.gflops, 3)} | ${fmtShare(s.results.ours?.shareOfPeak)} | ` +
        `${fmtNum(s.ratios["ours/ort-web"])} | ${fmtNum(s.ratios["ours/ort-node"])} | ${fmtNum(s.ratios["ours/tfjs-wasm"])} |`,
    );
  }
  return lines.join("\n");
}

/** "SIMD128 peak at start: 44.1 GFLOP/s (best block 44.6), load average 3.2 2.9 2.1". */
export function peakLine(when, p) {
  return (
    `SIMD128 peak at ${when}: ${fmtNum(p.medianGflops, 3)} GFLOP/s (median of ${p.blocks} blocks of ${p.blockMs} ms; ` +
    `best ${fmtNum(p.bestGflops, 3)}), load average ${p.loadAvg.map((x) => x.toFixed(2)).join(" ")}`
  );
}

/** The targets table: each target, this run's number, the bound, whether it holds. */
export function targetsTable(rows) {
  const lines = ["| target | this run | bound | holds |", "|---|---|---|---|"];
  for (const r of rows) {
    const v = r.value === undefined ? "not measured" : /share/.test(r.target) ? fmtShare(r.value) : fmtNum(r.value, 3);
    const b = /share/.test(r.target) && r.bound !== "-" ? r.bound.replace(/[\d.]+$/, (x) => fmtShare(+x)) : r.bound;
    lines.push(`| ${r.target} | ${v} | ${b} | ${r.holds === null ? "-" : r.holds ? "yes" : "**no**"} |`);
  }
  return lines.join("\n");
}

/** Second table: GFLOP/s and share of the peak of every implementation, and the peak in those rounds. */
export function gflopsTable(shapes, impls) {
  const lines = [
    `| shape | peak GFLOP/s | ${impls.map((i) => `${i} GFLOP/s (share)`).join(" | ")} |`,
    `|---|---|${impls.map(() => "---|").join("")}`,
  ];
  for (const s of shapes) {
    const cell = (i) => `${fmtNum(s.results[i]?.gflops, 3)} (${fmtShare(s.results[i]?.shareOfPeak)})`;
    lines.push(`| ${shapeLabel(s)} | ${fmtNum(s.peakGflops, 3)} | ${impls.map(cell).join(" | ")} |`);
  }
  return lines.join("\n");
}

const COLORS = { ours: "#d9480f", "ort-web": "#1971c2", "ort-node": "#2f9e44", "tfjs-wasm": "#ae3ec9" };
const esc = (s) => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/**
 * Grouped bar chart of GFLOP/s: one group per shape, one bar per implementation. Linear scale, so
 * the tiny shapes (a, step) show as slivers; every bar carries its value as a label.
 */
export function svgChart(results) {
  const { shapes, implementations: impls } = results;
  const W = 960,
    H = 460;
  const left = 60,
    right = 20,
    top = 90,
    bottom = 70;
  const plotW = W - left - right,
    plotH = H - top - bottom;
  const maxVal = Math.max(1, ...shapes.flatMap((s) => impls.map((i) => s.results[i]?.gflops ?? 0)));
  // A round axis maximum: 1, 2 or 5 times a power of ten.
  const pow = 10 ** Math.floor(Math.log10(maxVal));
  const axisMax = [1, 2, 5, 10].map((m) => m * pow).find((v) => v >= maxVal);
  const y = (v) => top + plotH - (v / axisMax) * plotH;

  const groupW = plotW / shapes.length;
  const barW = Math.min(40, (groupW * 0.8) / impls.length);
  const out = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
  );
  out.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  out.push(
    `<text x="${left}" y="24" font-size="16" font-weight="bold">LSTM forward, float32, one thread: GFLOP/s (higher is better)</text>`,
  );
  out.push(`<text x="${left}" y="44" fill="#555">${esc(subtitle(results))}</text>`);

  // Grid lines and y axis labels.
  for (let k = 0; k <= 5; k++) {
    const v = (axisMax * k) / 5;
    out.push(`<line x1="${left}" x2="${W - right}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`);
    out.push(`<text x="${left - 6}" y="${y(v) + 4}" text-anchor="end" fill="#555">${+v.toPrecision(3)}</text>`);
  }
  out.push(
    `<text transform="translate(16 ${top + plotH / 2}) rotate(-90)" text-anchor="middle" fill="#555">GFLOP/s</text>`,
  );

  shapes.forEach((s, gi) => {
    const present = impls.filter((i) => s.results[i]?.gflops != null);
    const x0 = left + gi * groupW + (groupW - present.length * barW) / 2;
    present.forEach((impl, bi) => {
      const v = s.results[impl].gflops;
      const x = x0 + bi * barW;
      const h = Math.max(1, y(0) - y(v)); // at least one pixel so tiny values stay visible
      out.push(
        `<rect x="${x + 2}" y="${y(0) - h}" width="${barW - 4}" height="${h}" ` +
          `fill="${COLORS[impl] ?? "#868e96"}"><title>${esc(barTitle(impl, s, v))}</title></rect>`,
      );
      out.push(`<text x="${x + barW / 2}" y="${y(0) - h - 4}" text-anchor="middle" font-size="9">${fmtNum(v)}</text>`);
    });
    const cx = left + gi * groupW + groupW / 2;
    out.push(`<text x="${cx}" y="${y(0) + 18}" text-anchor="middle" font-weight="bold">${esc(s.name)}</text>`);
    out.push(
      `<text x="${cx}" y="${y(0) + 34}" text-anchor="middle" fill="#555">${esc(`B${s.B} T${s.T} I${s.I} H${s.H}`)}</text>`,
    );
  });

  // Legend: one row under the subtitle, so it never covers a bar.
  let lx = left;
  for (const impl of impls) {
    const text = results.labels?.[impl] ?? impl;
    out.push(`<rect x="${lx}" y="56" width="12" height="12" fill="${COLORS[impl] ?? "#868e96"}"/>`);
    out.push(`<text x="${lx + 18}" y="66">${esc(text)}</text>`);
    lx += 18 + text.length * 7 + 24; // ~7 px per character at 12 px sans-serif
  }
  out.push(`</svg>`);
  return out.join("\n") + "\n";
}

function subtitle({ machine: m, date }) {
  const where = `${m.cpu} (${m.cpuId}), ${m.cores} cores, Node ${m.node}, ${date}.`;
  return `${where} GFLOP/s = 2·T·B·4H·(I+H) / median time.`;
}

function barTitle(impl, shape, gflops) {
  return `${impl} ${shape.name}: ${fmtNum(gflops, 3)} GFLOP/s, ${fmtMs(shape.results[impl].medianMs)} ms`;
}
