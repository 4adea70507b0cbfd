import type { ImageFileType } from './types.js';

// The nodes of the flattened tree. Each node remembers the layer whose entry wrote it (`layer`),
// and a directory the last layer that created anything at or below it, explicitly or as a
// missing parent (`touched`): containerd's overlayfs applier extracts each layer into an empty
// upper directory, so "written by this layer" decides what a whiteout or opaque marker of that
// layer can hide and what a hard link can reach.

export interface DirNode {
  type: 'dir';
  mode: number;
  children: Map<string, Node>;
  /** Layer of the entry that wrote this directory; -1 when it was only created as a parent. */
  layer: number;
  /** Last layer that created this directory or anything below it. */
  touched: number;
}

export interface LeafNode {
  type: Exclude<ImageFileType, 'dir'>;
  mode: number;
  size: number;
  sha256?: string;
  linkname?: string;
  layer: number;
}

/** A whiteout of the layer being applied: a non-directory until the layer ends, then removed. */
export interface WhiteoutNode {
  type: 'whiteout';
  layer: number;
  /** It hid a directory (so a directory written over it would show that one's files again). */
  hidDir: boolean;
}

export type Node = DirNode | LeafNode | WhiteoutNode;

export const newDir = (mode: number, layer: number, touched: number): DirNode => ({ type: 'dir', mode, children: new Map(), layer, touched });
