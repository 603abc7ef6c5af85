// model.summary() in Keras 3's layout (keras/src/utils/summary_utils.py): a box-drawn table of
// layers, output shapes and parameter counts, plus "Connected to" for non-sequential graphs.
import type { Layer } from "../layers/layer.js";
import type { Model } from "./model.js";
import type { Shape } from "./symbolic.js";

const fmtTuple = (s: Shape) => `(${s.map((d) => (d === null ? "None" : String(d))).join(", ")}${s.length === 1 ? "," : ""})`;

function outputShapeText(layer: Layer, model: Model): string {
  const node = layer.inboundNodes.find((n) => model.nodes.includes(n)) ?? layer.inboundNodes[0]!;
  const shapes = node.outputs.map((t) => fmtTuple(t.shape));
  return shapes.length === 1 ? shapes[0]! : `[${shapes.join(", ")}]`;
}

function connectedTo(layer: Layer, model: Model): string[] {
  const node = layer.inboundNodes.find((n) => model.nodes.includes(n));
  if (!node) return ["-"];
  return node.allInputs.map((t) => {
    const src = t.node.layer;
    const nodeIndex = src.inboundNodes.indexOf(t.node);
    return `${src.name}[${nodeIndex}][${t.outputIndex}]`;
  });
}

/** Splits text into lines of at most `width` characters, breaking after ", " or spaces like rich. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let rest = text;
  while (rest.length > width) {
    let cut = rest.lastIndexOf(" ", width);
    if (cut <= 0) cut = width;
    lines.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  lines.push(rest);
  return lines;
}

function fmtBytes(n: number): string {
  const units = ["B", "KB", "MB", "GB"];
  let v = n, u = 0;
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
  return `${v.toFixed(2)} ${units[u]}`;
}

export function formatSummary(model: Model): string {
  const sequentialLike = model.nodes.every((n) => n.allInputs.length === 1) && model.inputs.length === 1 && model.outputs.length === 1;
  const headers = sequentialLike ? ["Layer (type)", "Output Shape", "Param #"] : ["Layer (type)", "Output Shape", "Param #", "Connected to"];
  const widths = sequentialLike ? [31, 22, 13] : [25, 23, 8, 20];
  const right = [false, false, true, false];
  const rows: string[][][] = model.layers.map((layer) => {
    const cells = [
      `${layer.name} (${layer.className})`,
      outputShapeText(layer, model),
      layer.countParams().toLocaleString("en-US"),
    ];
    if (!sequentialLike) cells.push(connectedTo(layer, model).join(", "));
    return cells.map((c, i) => (i === 3 ? c.split(", ").flatMap((p) => wrap(p, widths[i]!)) : wrap(c, widths[i]!)));
  });
  const bar = (l: string, m: string, r: string, f: string) => l + widths.map((w) => f.repeat(w + 2)).join(m) + r;
  const line = (cells: string[], sep: string) =>
    sep + cells.map((c, i) => " " + (right[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)) + " ").join(sep) + sep;
  const out: string[] = [`Model: "${model.name}"`];
  out.push(bar("┏", "┳", "┓", "━"));
  out.push(line(headers, "┃"));
  out.push(bar("┡", "╇", "┩", "━"));
  rows.forEach((cells, r) => {
    const height = Math.max(...cells.map((c) => c.length));
    for (let k = 0; k < height; k++) out.push(line(cells.map((c) => c[k] ?? ""), "│"));
    if (r < rows.length - 1) out.push(bar("├", "┼", "┤", "─"));
  });
  out.push(bar("└", "┴", "┘", "─"));
  const total = model.countParams();
  out.push(` Total params: ${total.toLocaleString("en-US")} (${fmtBytes(total * 4)})`);
  out.push(` Trainable params: ${total.toLocaleString("en-US")} (${fmtBytes(total * 4)})`);
  out.push(` Non-trainable params: 0 (${fmtBytes(0)})`);
  return out.join("\n");
}
