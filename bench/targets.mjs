// Issue 17's targets against one run's numbers (ratios of medians from the same interleaved rounds).
//   a B1 T3 I1 H1          ours/onnxruntime-web and ours/onnxruntime-node <= 0.1
//   b B1 T100 I32 H128     >= 80 % of the SIMD128 peak, <= 0.6 of onnxruntime-web
//   c B32 T50 I64 H256     >= 88 % of the peak, <= 0.5 of onnxruntime-web
//   d B64 T100 I128 H512   >= 92 % of the peak, <= 0.5 of onnxruntime-web
// GRU and SimpleRNN: the same shares of the peak on b, c and d. Kept from issue 3: two threads
// >= 1.7x one thread on c and d. The relaxed-SIMD build's shares (of the relaxed peak) are reported
// without a bound. Conv1D (B32 T100 C64 -> 64 filters, kernel 5): >= 80 % of the peak.

export const SHARE_TARGETS = { b: 0.8, c: 0.88, d: 0.92 };
const ORT_WEB_TARGETS = { b: 0.6, c: 0.5, d: 0.5 };

/** One row per target: { target, value, bound, holds } (holds null when not measured). */
export function targetRows(shapes, children, cellRows, layerRows = []) {
  const shape = (list, name) => list.find((s) => s.name === name);
  const ratio = (name, peer) => shape(shapes, name)?.ratios?.[`ours/${peer}`];
  const share = (name) => shape(shapes, name)?.results?.ours?.shareOfPeak;
  const rel = children.relaxed?.shapes ?? [];
  const thr = children.threads?.shapes ?? [];
  const speedup = (n) => {
    const s = shape(thr, n);
    return s ? s.results["ours-1t"].medianMs / s.results["ours-2t"].medianMs : undefined;
  };
  const rows = [
    ["a: ours/onnxruntime-web", ratio("a", "ort-web"), "<=", 0.1],
    ["a: ours/onnxruntime-node", ratio("a", "ort-node"), "<=", 0.1],
  ];
  for (const n of ["b", "c", "d"]) {
    rows.push([`${n}: LSTM share of peak`, share(n), ">=", SHARE_TARGETS[n]]);
    rows.push([`${n}: ours/onnxruntime-web`, ratio(n, "ort-web"), "<=", ORT_WEB_TARGETS[n]]);
  }
  for (const cell of ["GRU", "GRU resetAfter:false", "SimpleRNN"]) {
    for (const n of ["b", "c", "d"]) {
      const row = cellRows.find((r) => r.cell === cell && r.shape === n);
      if (row || cell !== "GRU resetAfter:false")
        rows.push([`${n}: ${cell} share of peak`, row?.shareOfPeak, ">=", SHARE_TARGETS[n]]);
    }
  }
  for (const n of ["b", "c", "d"]) {
    rows.push([`relaxed ${n}: share of the relaxed peak`, shape(rel, n)?.results?.ours?.shareOfPeak, "", null]);
  }
  rows.push(["Conv1D: share of peak", layerRows.find((r) => r.name === "Conv1D")?.shareOfPeak, ">=", 0.8]);
  rows.push(["2 threads c: speed-up", speedup("c"), ">=", 1.7], ["2 threads d: speed-up", speedup("d"), ">=", 1.7]);
  return rows.map(([target, value, op, bound]) => ({
    target,
    value,
    bound: bound === null ? "-" : `${op} ${bound}`,
    holds: value === undefined || bound === null ? null : op === "<=" ? value <= bound : value >= bound,
  }));
}
