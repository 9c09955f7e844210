import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { parse as parseYaml } from 'yaml';

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
        'connectwise-service-api.swagger.json, kaseya-*.yml and halopsa-actions-tickets.json.',
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
