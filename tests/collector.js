'use strict';
/**
 * A loopback collector written for the tests and the demo: it speaks the
 * Snowplow tracker protocol (POST /com.snowplowanalytics.snowplow/tp2 with a
 * payload_data body, GET /i with one event in the query), keeps every event
 * it receives, and can be told to fail (an HTTP status, or a dropped
 * connection) to play a dead or misbehaving collector.
 *
 * Every event that arrives, whatever the collector answers, is checked
 * against its Iglu schemas (tests/node/iglu.js: the payload, the
 * self-describing event and every entity). An invalid one is recorded in
 * `problems`, and `close()` then rejects with all of them, so that a test
 * fails as soon as it closes its collector, which every test must do (an open
 * server keeps its process alive). A collector never closed with problems
 * left unreported fails its process at exit.
 */
const http = require('http');
const { checkEvent } = require('./node/iglu');

const POST_PATH = '/com.snowplowanalytics.snowplow/tp2';
const PAYLOAD_DATA = 'iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4';

/** Decodes URL-safe or standard base64, with or without padding. */
function b64(s) {
  return Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8');
}

/** The event with its self-describing body and entities decoded. */
function decode(raw) {
  const ue = raw.ue_px ? JSON.parse(b64(raw.ue_px)) : raw.ue_pr ? JSON.parse(raw.ue_pr) : undefined;
  const co = raw.cx ? JSON.parse(b64(raw.cx)) : raw.co ? JSON.parse(raw.co) : undefined;
  const entities = co ? co.data : [];
  const session = entities.find((e) => e.schema.includes('/client_session/'));
  return {
    raw,
    ueSchema: ue ? ue.schema : undefined,
    contextsSchema: co ? co.schema : undefined,
    schema: ue ? ue.data.schema : undefined,
    data: ue ? ue.data.data : undefined,
    entities,
    session: session ? session.data : undefined,
  };
}

/** Collectors whose problems no `close()` has reported yet. */
const unreported = new Set();
process.on('exit', () => {
  const problems = [...unreported].flatMap((c) => c.problems);
  if (problems.length === 0) return;
  process.stderr.write(`collector: ${problems.length} invalid event(s) never reported by close():\n${problems.join('\n')}\n`);
  process.exitCode = 1;
});

/** A problem's line: what was wrong with which event. */
function describe(raw, why) {
  const what = raw && typeof raw === 'object' ? `e=${raw.e} eid=${raw.eid}` : JSON.stringify(raw);
  return `${what}: ${why}`;
}

/** The problems of one received event (undecodable, or not valid against its Iglu schemas). */
function validate(raw) {
  let event;
  try {
    event = decode(raw);
  } catch (e) {
    return [describe(raw, `cannot be decoded: ${e.message}`)];
  }
  try {
    return checkEvent(event).map((m) => describe(raw, m));
  } catch (e) {
    return [describe(raw, e.message)];
  }
}

/** The events of a request, decoded, or [] when it is not a valid one. */
function peek(method, url, body) {
  try {
    if (method === 'POST') return JSON.parse(body).data.map(decode);
    return [decode(Object.fromEntries(url.searchParams))];
  } catch {
    return [];
  }
}

/**
 * Starts a collector on 127.0.0.1 and an ephemeral port, taking POST requests
 * on `postPath` (the protocol's path unless a test gives another).
 * @returns {Promise<{url: string, events: object[], requests: object[], fail(mode?: number|'drop'|null): void, hold(): {arrived: Promise<void>, release(): void}, waitFor(n: number, ms?: number): Promise<object[]>, close(): Promise<void>}>}
 */
async function startCollector({ postPath = POST_PATH } = {}) {
  const events = [];
  const requests = [];
  const problems = [];
  const self = { problems };
  let failure = null;
  let held = null;
  let answer = null;
  let hanging = false;
  const waiters = [];
  const notify = () => {
    for (const w of waiters.splice(0)) w();
  };

  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      inspect(req.method, new URL(req.url, 'http://collector'), Buffer.concat(chunks).toString('utf8'));
      if (hanging) return; // never answered
      if (held) {
        const h = held;
        held = null;
        h.arrived();
        h.released.then(() => respond());
        return;
      }
      respond();
    });
    const respond = () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url, 'http://collector');
      requests.push({ method: req.method, path: url.pathname, headers: req.headers, body, failed: failure !== null, at: Date.now() });
      if (failure === 'drop') {
        req.socket.destroy();
        return;
      }
      if (typeof failure === 'number') {
        res.writeHead(failure).end('failing on purpose');
        return;
      }
      if (answer) {
        const decided = answer({ method: req.method, path: url.pathname, body, events: peek(req.method, url, body) });
        if (decided) {
          requests[requests.length - 1].failed = true;
          res.writeHead(decided.status, decided.headers || {}).end();
          return;
        }
      }
      let received;
      try {
        if (req.method === 'POST' && url.pathname === postPath) {
          const parsed = JSON.parse(body);
          if (parsed.schema !== PAYLOAD_DATA || !Array.isArray(parsed.data)) throw new Error('not payload_data');
          received = parsed.data;
        } else if (req.method === 'GET' && url.pathname === '/i') {
          received = [Object.fromEntries(url.searchParams)];
        } else {
          res.writeHead(404).end();
          return;
        }
      } catch (e) {
        res.writeHead(400).end(String(e));
        return;
      }
      for (const raw of received) {
        try {
          events.push(decode(raw));
        } catch {
          // undecodable: not kept, and already one of `problems`
        }
      }
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
      notify();
    };
  });
  /** Checks every event of a tracker protocol request, as it arrives. */
  const inspect = (method, url, body) => {
    let raws;
    if (method === 'POST' && url.pathname !== '/i') {
      try {
        const parsed = JSON.parse(body);
        if (parsed.schema !== PAYLOAD_DATA || !Array.isArray(parsed.data)) return; // answered 400 below
        raws = parsed.data;
      } catch {
        return;
      }
    } else if (method === 'GET' && url.pathname === '/i') {
      raws = [Object.fromEntries(url.searchParams)];
    } else return;
    for (const raw of raws) {
      for (const p of validate(raw)) if (!problems.includes(p)) problems.push(p); // a retried event once
    }
    if (problems.length > 0) unreported.add(self);
  };

  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();

  return {
    url: `http://127.0.0.1:${port}`,
    events,
    requests,
    /** Fail every request with an HTTP status, drop connections ('drop'), or recover (null). */
    fail(mode = 500) {
      failure = mode;
    },
    /**
     * Decides per request: `fn({ method, path, body, events })` returns
     * `{ status, headers }` to answer with (the events are not kept), or
     * nothing to accept the request as usual. `null` removes it.
     */
    respondWith(fn) {
      answer = fn;
    },
    /** From now on, accepts connections and never answers (a hung collector). */
    hang() {
      hanging = true;
    },
    /**
     * Holds the next request without answering it until `release()`;
     * `arrived` resolves once that request is held.
     */
    hold() {
      let arrived;
      let release;
      const arrivedP = new Promise((r) => (arrived = r));
      const released = new Promise((r) => (release = r));
      held = { arrived, released };
      return { arrived: arrivedP, release };
    },
    /** Resolves with the events once at least `n` have arrived. */
    waitFor(n, ms = 10000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`collector got ${events.length} of ${n} events`)), ms);
        const check = () => {
          if (events.length >= n) {
            clearTimeout(timer);
            resolve(events);
          } else waiters.push(check);
        };
        check();
      });
    },
    /** Every invalid event received so far, one line each ([] when all were valid). */
    problems,
    /**
     * Stops the server; rejects when any event received was invalid against
     * its Iglu schemas, listing them.
     */
    async close() {
      server.closeAllConnections?.();
      await new Promise((resolve) => server.close(() => resolve()));
      unreported.delete(self);
      if (problems.length > 0) {
        throw new Error(`the collector received ${problems.length} invalid event(s):\n${problems.join('\n')}`);
      }
    },
  };
}

module.exports = { startCollector, decode, validate, POST_PATH };
