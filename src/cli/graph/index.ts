// Pictures of a supply chain: a layout (and a verification report) as SVG, DOT or Mermaid.
export { supplyChainGraph, reportChecks, type SupplyChainGraph, type GraphNode, type GraphEdge, type NodeStatus } from './model.js';
export { toDot, toMermaid, COLOURS } from './text.js';
export { toSvg } from './svg.js';
