import { CairnError } from '../errors.js';
import {
  LayoutSchema,
  LinkSchema,
  parseWith,
  StatementSchema,
  STATEMENT_V01,
  STATEMENT_V1,
  type Layout,
  type Link,
  type Statement,
} from '../schema/index.js';
import { statementToLink } from './link.js';
import { isLinkPredicate } from './statement.js';

// What a verified in-toto body is. Python and Go put raw links and layouts under the same
// payloadType as Statements and dispatch on `_type`; so does Cairn.

export type Payload =
  | { readonly kind: 'link'; readonly link: Link; readonly statement?: Statement }
  | { readonly kind: 'layout'; readonly layout: Layout; readonly raw: Record<string, unknown> }
  | { readonly kind: 'statement'; readonly statement: Statement };

/** Interprets a verified body as a link, a layout, or a Statement (a link Statement becomes a link). */
export function interpretPayload(body: Record<string, unknown>, where?: string): Payload {
  const type = body['_type'];
  if (type === 'link') return { kind: 'link', link: parseWith(LinkSchema, body, where) };
  if (type === 'layout') return { kind: 'layout', layout: parseWith(LayoutSchema, body, where), raw: body };
  if (type === STATEMENT_V1 || type === STATEMENT_V01) {
    const statement = parseWith(StatementSchema, body, where);
    if (isLinkPredicate(statement.predicateType)) {
      const legacyShape = statement.predicate?.['_type'] === 'link';
      const link = legacyShape
        ? parseWith(LinkSchema, statement.predicate, where ? `${where}: predicate` : 'predicate')
        : statementToLink(statement, where);
      return { kind: 'link', link, statement };
    }
    return { kind: 'statement', statement };
  }
  throw new CairnError('SCHEMA_INVALID', `unknown _type ${JSON.stringify(type)} (expected link, layout or an in-toto Statement)`, { where });
}
