'use strict';
// What the bundled CLI gets for `import stringWidth from 'string-width'` (yargs, cliui and
// wrap-ansi import it; tools/bundle.mjs maps the bare name here): the same function, but the
// module behind it is initialised on the first call. string-width builds an Intl.Segmenter and
// Unicode-property regexes (RGI_Emoji among them) when it loads: 15-20 ms of every command's
// start-up, although only help and error texts ever measure a string.
let real;
function stringWidth(text, options) {
  real ??= require('string-width').default;
  return real(text, options);
}
module.exports = stringWidth;
module.exports.default = stringWidth;
