import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type AnySchemaObject, type ErrorObject, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { parse as parseYaml } from 'yaml';
import { isPlainObject } from './fake-server.ts';

/**
 * Loads the vendors' published API schemas and validates request bodies against them.
 *
 * The schema files are reference data that must not be copied into this repository, so
 * they are read at runtime from VENDOR_SCHEMAS_DIR or, by default, from the
 * `shared/vendor-schemas` directory beside the repository.
 */

/** Checks one value; an empty list means it is valid. */
export type SchemaCheck = (value: unknown) => string[];

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The directory holding the vendor schema files; throws when it does not exist. */
export function vendorSchemasDir(): string {
  const dir = process.env.VENDOR_SCHEMAS_DIR
    ? path.resolve(process.env.VENDOR_SCHEMAS_DIR)
    : path.resolve(REPO_ROOT, '../shared/vendor-schemas');
  if (!existsSync(dir)) {
    throw new Error(
      `Vendor API schemas not found at ${dir}. Set VENDOR_SCHEMAS_DIR to the directory holding ` +
        'connectwise-service-api.swagger.json, kaseya-*.yml, halopsa-actions-tickets.json, ' +
        'slack-block-kit.schema.json and adaptive-card-1.4.json.',
    );
  }
  return dir;
}

function readSchemaFile(name: string): string {
  const file = path.join(vendorSchemasDir(), name);
  if (!existsSync(file)) {
    throw new Error(`Vendor API schema ${name} is missing from ${path.dirname(file)}; set VENDOR_SCHEMAS_DIR.`);
  }
  return readFileSync(file, 'utf8');
}

/**
 * One Ajv per vendor document: the documents are OpenAPI/Swagger, not pure JSON Schema,
 * so `strict: false` lets Ajv skip their annotation keywords (`example`, `readOnly`, ...).
 * Date-times without a zone are accepted, as the vendors accept them. Code optimisation is
 * off because it more than doubles the compile time of Halo's large schema, while the
 * fakes validate only a handful of bodies.
 */
function newAjv(): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true, logger: false, code: { optimize: false } });
  addFormats(ajv, ['int32', 'int64', 'float', 'double', 'uuid', 'byte', 'binary']);
  ajv.addFormat('date-time', addFormats.get('iso-date-time'));
  ajv.addFormat('int16', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -32768 && n <= 32767 });
  ajv.addFormat('date-span', true);
  return ajv;
}

function explain(errors: ErrorObject[] | null | undefined): string[] {
  const list = errors ?? [];
  const mistyped = new Set(list.filter((e) => e.keyword === 'type').map((e) => e.instancePath));
  return list
    .filter((e) => !(e.keyword === 'format' && mistyped.has(e.instancePath)))
    .map((e) => {
      const where = e.instancePath || '(body)';
      if (e.keyword === 'additionalProperties') {
        return `${where} has unknown property "${String(e.params.additionalProperty)}"`;
      }
      if (e.keyword === 'enum') {
        return `${where} ${e.message ?? 'is not allowed'}: ${JSON.stringify(e.params.allowedValues)}`;
      }
      return `${where} ${e.message ?? 'is invalid'}`;
    });
}

function toCheck(validate: ValidateFunction): SchemaCheck {
  return (value) => (validate(value) ? [] : explain(validate.errors));
}

/** OpenAPI 3.0's `nullable` next to `allOf`/`$ref` without `type` makes Ajv refuse the schema. */
function dropUntypedNullable(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(dropUntypedNullable);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  const hasType = 'type' in node;
  for (const [key, value] of Object.entries(node)) {
    if (key === 'nullable' && !hasType) continue;
    out[key] = dropUntypedNullable(value);
  }
  return out;
}

const cache = new Map<string, unknown>();

function once<T>(key: string, build: () => T): T {
  if (!cache.has(key)) cache.set(key, build());
  return cache.get(key) as T;
}

interface AutotaskDocs {
  ajv: Ajv;
  notes: Record<string, unknown>;
}

function autotaskDocs(): AutotaskDocs {
  return once('autotask', () => {
    const ajv = newAjv();
    const notes = parseYaml(readSchemaFile('kaseya-ticketnoteschild-api-openapi.yml')) as Record<string, unknown>;
    const zone = parseYaml(readSchemaFile('kaseya-zoneinformationapiintegration-api-openapi.yml')) as Record<
      string,
      unknown
    >;
    ajv.addSchema({ components: notes.components }, 'at-notes');
    ajv.addSchema({ components: zone.components }, 'at-zone');
    return { ajv, notes };
  });
}

/** ConnectWise `POST /service/tickets/{id}/notes` body against the Swagger `ServiceNote` definition. */
export function checkConnectWiseServiceNote(body: unknown): string[] {
  const check = once('cw-note', () => {
    const doc = JSON.parse(readSchemaFile('connectwise-service-api.swagger.json')) as { definitions: unknown };
    const ajv = newAjv();
    ajv.addSchema({ definitions: doc.definitions }, 'cw');
    return toCheck(ajv.compile({ $ref: 'cw#/definitions/ServiceNote' }));
  });
  return check(body);
}

/** Autotask `POST /V1.0/Tickets/{parentId}/Notes` body against `TicketNoteModel`. */
export function checkAutotaskTicketNote(body: unknown): string[] {
  const check = once('at-note', () =>
    toCheck(autotaskDocs().ajv.compile({ $ref: 'at-notes#/components/schemas/TicketNoteModel' })),
  );
  return check(body);
}

/** Autotask zone lookup answer against `ZoneInformationResultModel` (so the fake answers in the published shape). */
export function checkAutotaskZoneInformation(body: unknown): string[] {
  const check = once('at-zone', () =>
    toCheck(
      autotaskDocs().ajv.compile({
        allOf: [
          { $ref: 'at-zone#/components/schemas/ZoneInformationResultModel' },
          { required: ['zoneName', 'url', 'webUrl', 'ci'] },
        ],
      }),
    ),
  );
  return check(body);
}

/** The header parameters the Autotask document marks required on the ticket-note create operation. */
export function autotaskRequiredHeaders(): string[] {
  return once('at-headers', () => {
    const paths = autotaskDocs().notes.paths as Record<string, Record<string, { parameters?: unknown[] }>>;
    const post = paths['/V1.0/Tickets/{parentId}/Notes']?.post;
    const names = (post?.parameters ?? [])
      .map((p) => p as { in?: string; name?: string; required?: boolean })
      .filter((p) => p.in === 'header' && p.required === true && typeof p.name === 'string')
      .map((p) => p.name as string);
    if (names.length === 0) throw new Error('The Autotask ticket-notes document declares no required headers');
    return names;
  });
}

/** One element of a Halo `POST /api/Actions` array against the `Actions` component schema. */
export function checkHaloAction(action: unknown): string[] {
  const check = once('halo-action', () => {
    const doc = JSON.parse(readSchemaFile('halopsa-actions-tickets.json')) as { components: { schemas: unknown } };
    const ajv = newAjv();
    ajv.addSchema({ components: { schemas: dropUntypedNullable(doc.components.schemas) } }, 'halo');
    return toCheck(ajv.compile({ $ref: 'halo#/components/schemas/Actions' }));
  });
  return check(action);
}

/**
 * The Slack Block Kit schema is draft 2020-12, which the default Ajv class does not speak.
 * Its one registered document lets each block type be checked on its own below.
 */
function slackAjv(): Ajv2020 {
  return once('slack', () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true, logger: false });
    addFormats(ajv);
    ajv.addSchema(JSON.parse(readSchemaFile('slack-block-kit.schema.json')) as AnySchemaObject, 'slack');
    return ajv;
  });
}

/**
 * A webhook's `blocks` array against the community Block Kit schema. A block of a known
 * type is checked against its own definition, so the answer names the property at fault
 * instead of one complaint per block type the union tried.
 */
export function checkSlackBlocks(blocks: unknown): string[] {
  const ajv = slackAjv();
  const whole = once('slack-blocks', () => ajv.getSchema('slack') as ValidateFunction);
  // A plain boolean check: the validator's type guard would narrow `blocks` to never below.
  const valid: (value: unknown) => boolean = whole;
  if (valid(blocks)) return [];
  if (!Array.isArray(blocks)) return explain(whole.errors);
  const errors: string[] = [];
  blocks.forEach((block: unknown, i) => {
    const type = isPlainObject(block) && typeof block.type === 'string' ? block.type : null;
    const ref = type !== null && /^[a-z_]+$/.test(type) ? `slack#/$defs/${type}_block` : null;
    const check = ref ? ajv.getSchema(ref) : undefined;
    if (!check) {
      errors.push(`/${i} is not a known block type (${JSON.stringify(type)})`);
      return;
    }
    if (!check(block)) errors.push(...explain(check.errors).map((e) => `/${i}${e.startsWith('(body)') ? e.slice('(body)'.length) : e}`));
  });
  return errors.length > 0 ? errors : explain(whole.errors);
}

/**
 * One Adaptive Card (a Teams attachment's `content`) against the Adaptive Cards 1.4 schema.
 * The file is draft-06 and names itself with `id`, which Ajv 8 refuses, so the draft-06
 * meta-schema is added and `id` becomes `$id` in memory; the file itself is left alone.
 */
export function checkAdaptiveCard(card: unknown): string[] {
  const check = once('adaptive-card', () => {
    const require = createRequire(import.meta.url);
    const ajv = new Ajv({ strict: false, allErrors: true, logger: false });
    ajv.addMetaSchema(require('ajv/dist/refs/json-schema-draft-06.json') as AnySchemaObject);
    addFormats(ajv);
    const { id, ...doc } = JSON.parse(readSchemaFile('adaptive-card-1.4.json')) as { id: string } & Record<string, unknown>;
    return toCheck(ajv.compile({ ...doc, $id: id }));
  });
  return check(card);
}
