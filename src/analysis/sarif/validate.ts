import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

export interface SarifValidation {
  valid: boolean;
  /** One line per schema violation: JSON pointer and what is wrong. */
  errors: string[];
}

// ajv-formats is CommonJS; under NodeNext its default export is the module object.
const addFormats = addFormatsModule as unknown as { default: (ajv: Ajv) => Ajv };

let compiled: ValidateFunction | undefined;

/**
 * The vendored file is the official OASIS schema, byte for byte. It declares draft-04, whose only
 * differences that matter here are the `id` keyword (now `$id`) and the meta-schema URI; the SARIF
 * schema uses no other draft-04-only keyword, so Ajv's draft-07 engine validates it unchanged.
 */
function validator(): ValidateFunction {
  if (compiled) return compiled;
  const raw = JSON.parse(readFileSync(new URL('./sarif-schema-2.1.0.json', import.meta.url), 'utf8')) as Record<
    string,
    unknown
  >;
  const { id, $schema: _draft04, ...rest } = raw;
  const schema = { $schema: 'http://json-schema.org/draft-07/schema#', $id: id, ...rest };
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats.default(ajv);
  compiled = ajv.compile(schema as object);
  return compiled;
}

/** Validates a log against the official SARIF 2.1.0 JSON Schema. */
export function validateSarif(log: unknown): SarifValidation {
  const validate = validator();
  const valid = validate(log) === true;
  const errors = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`);
  return { valid, errors };
}
