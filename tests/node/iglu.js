'use strict';
/**
 * Test helper: the official Iglu schemas the end-to-end tests need (copied
 * verbatim under tests/fixtures/iglu/, with their LICENSE) and a small JSON
 * Schema checker for the part of draft 4 those schemas use.
 *
 * The checker knows these keywords: type (one or a list), enum, required,
 * properties, additionalProperties (false, true or a schema), minProperties,
 * items, minItems, maxItems, maxLength, minLength (in characters, i.e. code
 * points), minimum, maximum, pattern, and format date-time, uri and uuid. A
 * schema with any other keyword makes it throw, so that nothing is silently
 * left unchecked.
 */
const fs = require('fs');
const path = require('path');

const ROOT = path.join(__dirname, '..', 'fixtures', 'iglu');
const ANNOTATIONS = new Set(['$schema', 'self', 'description']);
const KNOWN = new Set([
  'type', 'enum', 'required', 'properties', 'additionalProperties', 'minProperties', 'items', 'minItems',
  'maxItems', 'maxLength', 'minLength', 'minimum', 'maximum', 'pattern', 'format',
]);

/**
 * Throws when `schema`, or any schema inside it, uses a keyword or a format
 * the checker does not know: every schema is read whole before use, so that
 * no part of it is silently left unchecked.
 */
function lint(schema, at) {
  if (typeOf(schema) !== 'object') throw new Error(`not a schema at ${at}`);
  for (const key of Object.keys(schema)) {
    if (!KNOWN.has(key) && !ANNOTATIONS.has(key)) throw new Error(`the checker does not know the keyword ${key} (at ${at})`);
  }
  if (schema.format !== undefined && !(schema.format in FORMATS)) throw new Error(`the checker does not know the format ${schema.format} (at ${at})`);
  for (const [key, sub] of Object.entries(schema.properties || {})) lint(sub, `${at}.${key}`);
  if (schema.items !== undefined) lint(schema.items, `${at}[]`);
  if (typeOf(schema.additionalProperties) === 'object') lint(schema.additionalProperties, `${at}.*`);
}

const cache = new Map();

/** The schema of an Iglu URI (`iglu:vendor/name/jsonschema/1-0-0`), from the fixtures, checked by lint(). */
function schemaOf(uri) {
  if (cache.has(uri)) return cache.get(uri);
  const m = /^iglu:([^/]+)\/([^/]+)\/([^/]+)\/(\d+-\d+-\d+)$/.exec(uri);
  if (!m) throw new Error(`not an Iglu URI: ${uri}`);
  const file = path.join(ROOT, m[1], m[2], m[3], m[4]);
  if (!fs.existsSync(file)) throw new Error(`no fixture for ${uri} (expected ${path.relative(process.cwd(), file)})`);
  const schema = JSON.parse(fs.readFileSync(file, 'utf8'));
  lint(schema, uri);
  cache.set(uri, schema);
  return schema;
}

function typeOf(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function hasType(v, type) {
  switch (type) {
    case 'integer':
      return Number.isInteger(v);
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    default:
      return typeOf(v) === type;
  }
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))$/;

/** RFC 3339 date-time (leap seconds allowed, as the RFC does). */
function isDateTime(s) {
  const m = DATE_TIME.exec(s);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  const offsetOk = m[9] === undefined || (Number(m[9]) <= 23 && Number(m[10]) <= 59);
  return days !== undefined && day >= 1 && day <= days && hour <= 23 && minute <= 59 && second <= 60 && offsetOk;
}

// RFC 3986, section 3 and appendix A: URI = scheme ":" hier-part [ "?" query ] [ "#" fragment ].
const PCT = '%[0-9A-Fa-f]{2}';
const UNRESERVED = "A-Za-z0-9\\-._~";
const SUB_DELIMS = "!$&'()*+,;=";
const PCHAR = `(?:[${UNRESERVED}${SUB_DELIMS}:@]|${PCT})`;
const USERINFO = `(?:[${UNRESERVED}${SUB_DELIMS}:]|${PCT})*`;
const HOST = `(?:\\[[0-9A-Fa-f:.]+\\]|(?:[${UNRESERVED}${SUB_DELIMS}]|${PCT})*)`;
const AUTHORITY = `(?:${USERINFO}@)?${HOST}(?::[0-9]*)?`;
const HIER_PART = `(?://${AUTHORITY}(?:/${PCHAR}*)*|/(?:${PCHAR}+(?:/${PCHAR}*)*)?|${PCHAR}+(?:/${PCHAR}*)*|)`;
const QUERY = `(?:${PCHAR}|[/?])*`;
const URI = new RegExp(`^[A-Za-z][A-Za-z0-9+.\\-]*:${HIER_PART}(?:\\?${QUERY})?(?:#${QUERY})?$`);

const UUID_FORMAT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const FORMATS = {
  'date-time': isDateTime,
  uri: (s) => URI.test(s),
  uuid: (s) => UUID_FORMAT.test(s),
};

/**
 * The errors of `value` against `schema`, each naming its path; [] when it
 * is valid.
 */
function check(schema, value, at = 'data', errors = []) {
  for (const key of Object.keys(schema)) {
    if (!KNOWN.has(key) && !ANNOTATIONS.has(key)) throw new Error(`the checker does not know the keyword ${key} (at ${at})`);
  }
  const fail = (why) => errors.push(`${at} ${why}`);
  if (schema.type !== undefined) {
    const types = [].concat(schema.type);
    if (!types.some((t) => hasType(value, t))) {
      fail(`must be ${types.join(' or ')}, got ${typeOf(value)} ${JSON.stringify(value)}`);
      return errors;
    }
  }
  if (schema.enum && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) {
    fail(`must be one of ${JSON.stringify(schema.enum)}, got ${JSON.stringify(value)}`);
  }
  if (typeof value === 'string') {
    const length = [...value].length;
    if (schema.maxLength !== undefined && length > schema.maxLength) fail(`is ${length} characters, over ${schema.maxLength}`);
    if (schema.minLength !== undefined && length < schema.minLength) fail(`is ${length} characters, under ${schema.minLength}`);
    if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(value)) fail(`does not match ${schema.pattern}`);
    if (schema.format !== undefined) {
      const test = FORMATS[schema.format];
      if (!test) throw new Error(`the checker does not know the format ${schema.format} (at ${at})`);
      if (!test(value)) fail(`is not a ${schema.format}: ${JSON.stringify(value)}`);
    }
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) fail(`is ${value}, under ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) fail(`is ${value}, over ${schema.maximum}`);
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) fail(`has ${value.length} items, under ${schema.minItems}`);
    if (schema.maxItems !== undefined && value.length > schema.maxItems) fail(`has ${value.length} items, over ${schema.maxItems}`);
    if (schema.items) value.forEach((item, i) => check(schema.items, item, `${at}[${i}]`, errors));
  }
  if (typeOf(value) === 'object') {
    const properties = schema.properties || {};
    for (const key of schema.required || []) {
      if (!(key in value)) fail(`lacks the required ${key}`);
    }
    if (schema.minProperties !== undefined && Object.keys(value).length < schema.minProperties) {
      fail(`has fewer than ${schema.minProperties} properties`);
    }
    for (const [key, v] of Object.entries(value)) {
      if (key in properties) check(properties[key], v, `${at}.${key}`, errors);
      else if (schema.additionalProperties === false) fail(`has ${key}, which the schema does not allow`);
      else if (typeOf(schema.additionalProperties) === 'object') check(schema.additionalProperties, v, `${at}.${key}`, errors);
    }
  }
  return errors;
}

/** The errors of a self-describing JSON (`{schema, data}`) against its Iglu schema. */
function checkSelfDescribing(sd) {
  return check(schemaOf(sd.schema), sd.data, sd.schema);
}

/**
 * Whether an Iglu URI is of an official Snowplow vendor
 * (`com.snowplowanalytics.*`): those must have their schema under
 * tests/fixtures/iglu/ and are checked against it; the vendors the tests
 * make up for the app's own events and entities (com.acme, com.example, ...)
 * have no schema anywhere and are not checked beyond their URI.
 */
function isOfficial(uri) {
  return typeof uri === 'string' && uri.startsWith('iglu:com.snowplowanalytics.');
}

/** The errors of a self-describing JSON of an official vendor; [] for any other vendor. */
function checkOfficial(sd, at) {
  if (!isOfficial(sd.schema)) return [];
  try {
    return checkSelfDescribing(sd).map((m) => `${at}: ${m}`);
  } catch (e) {
    return [`${at}: ${e.message}`];
  }
}

/** The errors of a wrapper's schema URI: it must be `expected`'s (any version with a fixture). */
function wrapperOf(uri, expected, at) {
  if (typeof uri !== 'string' || !uri.startsWith(`iglu:com.snowplowanalytics.snowplow/${expected}/jsonschema/`)) {
    return { errors: [`${at} schema must be ${expected}, got ${JSON.stringify(uri)}`] };
  }
  try {
    return { schema: schemaOf(uri), errors: [] };
  } catch (e) {
    return { errors: [`${at}: ${e.message}`] };
  }
}

/**
 * Checks one event as the collector received it (decoded by
 * tests/collector.js) against the Iglu schemas: the payload against
 * payload_data 1-0-4, the wrappers against unstruct_event and contexts, then
 * the self-describing event and every entity of an official Snowplow vendor
 * against its own schema (a missing fixture is an error; the app's own
 * vendors are skipped, see isOfficial). Returns the errors, [] when all is
 * valid.
 */
function checkEvent(event) {
  const errors = check(schemaOf('iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4'), [event.raw], 'payload');
  if (event.schema !== undefined || event.ueSchema !== undefined) {
    const ue = { schema: event.schema, data: event.data };
    if (event.ueSchema !== undefined) {
      const wrapper = wrapperOf(event.ueSchema, 'unstruct_event', 'ue');
      errors.push(...wrapper.errors);
      if (wrapper.schema) errors.push(...check(wrapper.schema, ue, 'unstruct_event'));
    }
    errors.push(...checkOfficial(ue, 'event'));
  }
  if (event.contextsSchema !== undefined) {
    const wrapper = wrapperOf(event.contextsSchema, 'contexts', 'co');
    errors.push(...wrapper.errors);
    if (wrapper.schema) errors.push(...check(wrapper.schema, event.entities, 'contexts'));
    if (Array.isArray(event.entities)) {
      event.entities.forEach((entity, i) => {
        if (entity && typeof entity === 'object') errors.push(...checkOfficial(entity, `contexts[${i}]`));
      });
    }
  }
  return errors;
}

module.exports = { ROOT, schemaOf, lint, check, checkSelfDescribing, checkEvent, isOfficial, isDateTime, URI };
