import { CairnError } from '../errors.js';
import type { Inspection, Layout, Step } from '../intoto/index.js';

// Parameter substitution: `{name}` in artifact rules, a step's expected_command and an
// inspection's `run` is replaced by a value given at verification time. in-toto 1.3.1 applies
// Python's str.format to every string when (and only when) parameters are given, so `{{` and
// `}}` are literal braces, an unknown name or a lone brace is an error. Cairn does the same
// and refuses what str.format would do differently (conversions, format specs, indexing).
// Names follow in-toto's PARAMETER_DICTIONARY_KEY: letters, digits, `_` and `-`.
// Source: in-toto 1.3.1 verifylib.substitute_parameters, in_toto/formats.py.

/** A valid parameter name. */
export const PARAMETER_NAME_RE = /^[a-zA-Z0-9_-]+$/;

function fail(message: string, where: string): never {
  throw new CairnError('INVALID_ARGUMENT', message, { where });
}

/** Python's `template.format(**params)` for plain `{name}` fields. */
export function formatParameters(template: string, params: Readonly<Record<string, string>>, where = 'value'): string {
  let out = '';
  let i = 0;
  const n = template.length;
  while (i < n) {
    const c = template[i]!;
    if (c === '}') {
      if (template[i + 1] !== '}') fail(`single '}' in ${JSON.stringify(template)} (write '}}' for a literal brace)`, where);
      out += '}';
      i += 2;
      continue;
    }
    if (c !== '{') {
      out += c;
      i++;
      continue;
    }
    if (template[i + 1] === '{') {
      out += '{';
      i += 2;
      continue;
    }
    let depth = 1;
    let j = i + 1;
    while (j < n && depth > 0) {
      if (template[j] === '{') depth++;
      else if (template[j] === '}') depth--;
      j++;
    }
    if (depth > 0) fail(`'{' without a closing '}' in ${JSON.stringify(template)}`, where);
    const field = template.slice(i + 1, j - 1);
    const name = /^[^!:.[]*/.exec(field)![0];
    const rest = field.slice(name.length);
    if (rest !== '' && rest !== '!s' && rest !== ':' && rest !== '!s:') {
      fail(`{${field}}: only plain {name} parameters are supported`, where);
    }
    if (name === '' || /^\d+$/.test(name)) fail(`{${field}}: a parameter needs a name`, where);
    if (!Object.prototype.hasOwnProperty.call(params, name)) throw new CairnError('INVALID_ARGUMENT', `parameter {${name}} is used but not given`, { where, details: { reason: 'parameter-missing', parameter: name } });
    out += params[name]!;
    i = j;
  }
  return out;
}

function each(list: readonly string[], params: Readonly<Record<string, string>>, where: string): string[] {
  return list.map((s, i) => formatParameters(s, params, `${where}[${i}]`));
}

function rules(list: readonly string[][], params: Readonly<Record<string, string>>, where: string): string[][] {
  return list.map((r, i) => each(r, params, `${where}[${i}]`));
}

/** The layout with parameters substituted, as in-toto does; the input is not changed. */
export function substituteParameters(layout: Layout, params: Readonly<Record<string, string>>): Layout {
  for (const name of Object.keys(params)) {
    if (!PARAMETER_NAME_RE.test(name)) fail(`parameter name ${JSON.stringify(name)} may hold only letters, digits, '_' and '-'`, 'parameters');
  }
  const steps: Step[] = layout.steps.map((s, i) => ({
    ...s,
    expected_command: each(s.expected_command, params, `steps[${i}].expected_command`),
    expected_materials: rules(s.expected_materials, params, `steps[${i}].expected_materials`),
    expected_products: rules(s.expected_products, params, `steps[${i}].expected_products`),
  }));
  const inspect: Inspection[] = layout.inspect.map((s, i) => ({
    ...s,
    run: each(s.run, params, `inspect[${i}].run`),
    expected_materials: rules(s.expected_materials, params, `inspect[${i}].expected_materials`),
    expected_products: rules(s.expected_products, params, `inspect[${i}].expected_products`),
  }));
  return { ...layout, steps, inspect };
}
