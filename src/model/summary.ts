// model.summary() in Keras 3's layout (keras/src/utils/summary_utils.py, rendered by rich): a
// box-drawn table of layers, output shapes and parameter counts, with "Connected to" for graphs
// that are not a plain chain.
import type { Layer, Node, Shape, SymbolicTensor } from "../layers/layer.js";
import { paramCounts } from "../layers/trainable.js";
import { quantizationLine } from "../quant/state.js";

/** What the summary reads of a model. */
export interface SummarySource {
  readonly name: string;
  /** Keras's Sequential layout regardless of the graph's shape. */
  readonly isSequential: boolean;
  readonly inputs: readonly SymbolicTensor[];
  readonly outputs: readonly SymbolicTensor[];
  readonly nodes: readonly Node[];
  readonly layers: readonly Layer[];
  readonly trainable: boolean;
  countParams(): number;
}

const fmtTuple = (s: Shape) => `(${s.map((d) => (d === null ? "None" : String(d))).join(", ")})`;

/** Nodes of the model including its input nodes. */
function modelNodes(model: SummarySource): Node[] {
  return [...model.inputs.map((t) => t.node), ...model.nodes];
}

function outputShapeText(layer: Layer, nodes: Node[]): string {
  const mine = layer.inboundNodes.filter((n) => nodes.includes(n));
  const node = mine[mine.length - 1] ?? layer.inboundNodes[layer.inboundNodes.length - 1]!;
  const shapes = node.outputs.map((t) => fmtTuple(t.shape));
  return shapes.length === 1 ? shapes[0]! : `[${shapes.join(", ")}]`;
}

function connectedTo(layer: Layer, nodes: Node[]): string {
  const parts: string[] = [];
  for (const node of layer.inboundNodes) {
    if (!nodes.includes(node)) continue;
    for (const t of node.allInputs) {
      parts.push(`${t.node.layer.name}[${t.node.layer.inboundNodes.indexOf(t.node)}][${t.outputIndex}]`);
    }
  }
  return parts.length ? parts.join(", ") : "-";
}

/** Keras's test: one node per depth, each with at most one input, and no layer used twice. */
function isSequentialLike(model: SummarySource, nodes: Node[]): boolean {
  const depth = new Map<Node, number>();
  const visit = (node: Node, d: number): void => {
    if ((depth.get(node) ?? -1) >= d) return;
    depth.set(node, d);
    for (const t of node.allInputs) visit(t.node, d + 1);
  };
  for (const t of model.outputs) visit(t.node, 0);
  const perDepth = new Map<number, Node[]>();
  for (const [node, d] of depth) perDepth.set(d, [...(perDepth.get(d) ?? []), node]);
  for (const group of perDepth.values()) {
    if (group.length > 1 || group[0]!.allInputs.length > 1) return false;
  }
  return model.layers.every((l) => l.inboundNodes.filter((n) => nodes.includes(n)).length <= 1);
}

/** Word wrap as rich does it: break at spaces, fold words longer than the width. */
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

/** Python's round(): halves go to the even neighbour. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Column content widths as rich computes them for fixed-width columns in a narrower table. */
function columnWidths(positions: number[], lineLength: number): number[] {
  const requested: number[] = [];
  let current = 0;
  for (const p of positions) {
    const w = Math.floor(p * lineLength) - current;
    requested.push(w + 2); // rich adds one space of padding on each side
    current += w;
  }
  let excess = requested.reduce((a, b) => a + b, 0) - (lineLength - (positions.length + 1));
  let ratioLeft = requested.length;
  return requested.map((w) => {
    const cut = excess > 0 ? roundHalfEven(excess / ratioLeft) : 0;
    excess -= cut;
    ratioLeft -= 1;
    return w - cut - 2;
  });
}

function fmtBytes(n: number): string {
  const units = ["B", "KB", "MB", "GB", "TB", "PB"];
  let v = n;
  for (const u of units) {
    if (v / 1024 < 1) return `${v.toFixed(2)} ${u}`;
    v /= 1024;
  }
  return `${v.toFixed(2)} PB`;
}

const fmtCount = (n: number) => n.toLocaleString("en-US");

export function formatSummary(model: SummarySource): string {
  const nodes = modelNodes(model);
  const sequential = model.isSequential || isSequentialLike(model, nodes);
  const headers = sequential
    ? ["Layer (type)", "Output Shape", "Param #"]
    : ["Layer (type)", "Output Shape", "Param #", "Connected to"];
  const widths = sequential ? columnWidths([0.45, 0.8, 1], 88) : columnWidths([0.3, 0.56, 0.74, 1], 108);
  const rightAligned = (i: number) => i === 2;
  const rows = model.layers.map((layer) => {
    const cells = [`${layer.name} (${layer.className})`, outputShapeText(layer, nodes), fmtCount(layer.countParams())];
    if (!sequential) cells.push(connectedTo(layer, nodes));
    return cells.map((c, i) => wrap(c, widths[i]!));
  });
  const rule = (l: string, m: string, r: string, f: string) => l + widths.map((w) => f.repeat(w + 2)).join(m) + r;
  const line = (cells: string[], sep: string) =>
    sep + cells.map((c, i) => ` ${rightAligned(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)} `).join(sep) + sep;
  const out = [`Model: "${model.name}"`, rule("┏", "┳", "┓", "━"), line(headers, "┃"), rule("┡", "╇", "┩", "━")];
  rows.forEach((cells, r) => {
    const height = Math.max(...cells.map((c) => c.length));
    for (let k = 0; k < height; k++)
      out.push(
        line(
          cells.map((c) => c[k] ?? ""),
          "│",
        ),
      );
    if (r < rows.length - 1) out.push(rule("├", "┼", "┤", "─"));
  });
  out.push(rule("└", "┴", "┘", "─"));
  const total = model.countParams();
  out.push(` Total params: ${fmtCount(total)} (${fmtBytes(total * 4)})`);
  // Keras: moving statistics (BatchNormalization's) and frozen layers' weights are non-trainable
  const trainable = model.trainable ? model.layers.reduce((n, l) => n + paramCounts(l).trainable, 0) : 0;
  out.push(` Trainable params: ${fmtCount(trainable)} (${fmtBytes(trainable * 4)})`);
  out.push(` Non-trainable params: ${fmtCount(total - trainable)} (${fmtBytes((total - trainable) * 4)})`);
  // beyond Keras, only for a quantized model: which layers, so quantization is never silent
  const quantized = quantizationLine(model.layers);
  if (quantized) out.push(quantized);
  return out.join("\n");
}
