// What the bundled CLI gets for zod's `locales/index.js` (tools/bundle.mjs maps it here): the
// English messages only. zod 4's classic entry re-exports every locale (`z.locales`, 40-odd
// languages, ~400 KB of the 2.85 MB bundle); Cairn never switches zod's locale, and zod
// configures English itself by importing `locales/en.js` directly. Loading and compiling the
// others cost every command start-up time. zod is pinned exactly (package.json) because this
// depends on its file layout; bundle.mjs fails the build when the mapping no longer applies.
export { default as en } from 'zod/v4/locales/en.js';
