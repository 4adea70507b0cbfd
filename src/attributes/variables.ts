import type { VariableDecl } from './cel.js';

// What a rule sees: the variables bound for one piece of evidence. Names follow in-toto's
// attestation-verifier prototype for Statements (`predicateType`, `subject`, `predicate`) and
// ITE-11's link example for links (`byproducts`, `environment` at the top level). Link evidence
// also gets the Statement names, as the link predicate v0.3 Statement in-toto makes of a link,
// so one rule reads a legacy link and a DSSE link alike. The verification context (`image`,
// `parameters`, `now`) is the same for every piece. Each variable is built when a rule first
// reads it: a 10k-artifact link costs nothing until a rule asks for its products.
// Spec: https://github.com/in-toto/attestation/blob/main/spec/predicates/link.md

/** The link predicate type, which legacy links are read as. */
export const LINK_PREDICATE_V03 = 'https://in-toto.io/attestation/link/v0.3';

/** Digests of one artifact: a sha256 hex (compact form) or an algorithm -> hex set. */
export type ArtifactDigests = string | Readonly<Record<string, string>>;
/** Artifacts by path. */
export type Artifacts = ReadonlyMap<string, ArtifactDigests>;

/** One counted piece of evidence, as attribute rules see it. */
export type AttributeEvidence =
  | {
      readonly kind: 'statement';
      readonly origin: string;
      readonly predicateType: string;
      readonly subject: readonly unknown[];
      readonly predicate: unknown;
      /** Its materials and products as the artifact rules read them (ITE-10 mapping). */
      readonly materials: Artifacts;
      readonly products: Artifacts;
    }
  | {
      /** A link (legacy, link v0.3 Statement, a sublayout's summary, an inspection's record). */
      readonly kind: 'link';
      readonly origin: string;
      readonly name: string;
      readonly command: readonly string[];
      readonly materials: Artifacts;
      readonly products: Artifacts;
      readonly byproducts: Readonly<Record<string, unknown>>;
      readonly environment?: Readonly<Record<string, unknown>>;
    };

/** The verification context every rule sees. */
export interface AttributeContext {
  /** The image being verified: its manifest digest, platform (os/arch[/variant]) and index digest. */
  readonly image?: { readonly digest: string; readonly platform?: string; readonly index?: string };
  /** The `--param` values (empty when none were given). */
  readonly parameters: Readonly<Record<string, string>>;
  /** The time verification judges expiry at. */
  readonly now: Date;
}

/** Variables of every piece of evidence and their runtime types (JSON values are dyn). */
export const COMMON_VARIABLES: readonly VariableDecl[] = [
  { name: 'predicateType', type: 'string' },
  { name: 'subject', type: 'list' },
  { name: 'predicate', type: 'map' },
  { name: 'materials', type: 'map' },
  { name: 'products', type: 'map' },
  { name: 'image', type: 'map' },
  { name: 'parameters', type: 'map' },
  { name: 'now', type: 'google.protobuf.Timestamp' },
];
/** Variables of link evidence only. */
export const LINK_VARIABLES: readonly VariableDecl[] = [
  { name: 'name', type: 'string' },
  { name: 'command', type: 'list' },
  { name: 'byproducts', type: 'map' },
  { name: 'environment', type: 'map' },
];

function digestSet(d: ArtifactDigests): Record<string, string> {
  return typeof d === 'string' ? { sha256: d } : { ...d };
}

/** Artifacts as a CEL map: path -> {algorithm: hex}. */
function artifactsValue(a: Artifacts): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null);
  for (const [path, d] of a) out[path] = digestSet(d);
  return out;
}

/** Artifacts as ResourceDescriptors, as a link v0.3 Statement lists them. */
function descriptors(a: Artifacts): unknown[] {
  const out: unknown[] = [];
  for (const [name, d] of a) out.push({ name, digest: digestSet(d) });
  return out;
}

/** The variables for one piece of evidence, each built on first read. */
export function attributeVariables(e: AttributeEvidence, ctx: AttributeContext): Record<string, unknown> {
  const vars: Record<string, unknown> = Object.create(null);
  const lazy = (name: string, make: () => unknown) => {
    let value: unknown;
    let made = false;
    Object.defineProperty(vars, name, {
      enumerable: true,
      get: () => {
        if (!made) {
          value = make();
          made = true;
        }
        return value;
      },
    });
  };
  vars['image'] = ctx.image ? { ...ctx.image } : {};
  vars['parameters'] = { ...ctx.parameters };
  vars['now'] = ctx.now;
  lazy('materials', () => artifactsValue(e.materials));
  lazy('products', () => artifactsValue(e.products));
  if (e.kind === 'statement') {
    vars['predicateType'] = e.predicateType;
    vars['subject'] = e.subject;
    vars['predicate'] = e.predicate ?? {};
    return vars;
  }
  vars['predicateType'] = LINK_PREDICATE_V03;
  vars['name'] = e.name;
  vars['command'] = e.command;
  vars['byproducts'] = e.byproducts;
  vars['environment'] = e.environment ?? {};
  lazy('subject', () => descriptors(e.products));
  lazy('predicate', () => ({ name: e.name, command: e.command, materials: descriptors(e.materials), byproducts: e.byproducts, environment: e.environment ?? {} }));
  return vars;
}
