// Writing layouts: skeletons (`cairn layout create`), static checks (`layout check`) and
// signing (`layout sign`).
export { type LayoutProblem, checkLayout } from './check.js';
export { checkLayoutAttributes } from './check-attributes.js';
export { type SkeletonStep, type SignLayoutOptions, type SignedLayout, layoutSkeleton, imageInspectionSkeleton, SKELETON_CONFIG_DIR, parseExpiry, signLayout } from './author.js';
