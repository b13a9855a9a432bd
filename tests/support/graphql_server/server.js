// A GraphQL indexer for tokenflow's tests and benchmarks, on graphql-js (Debian's
// node-graphql, the reference implementation). It serves one list of generated transfers in
// both dialects tokenflow speaks:
//   POST /v1/graphql           Hasura / Envio HyperIndex: stablesTransfers(where, order_by,
//                              limit), _meta { chainId progressBlock sourceBlock }
//   POST /subgraphs/name/test  The Graph: transfers(first, orderBy, orderDirection, where),
//                              _meta { block { number } }
// and control endpoints for the tests:
//   POST /control/append  {"blocks":N,"per_block":K,"invalid":M}  appends blocks at the head
//   POST /control/fault   {"mode":"none|500|timeout|garbage|429|errors|reset|random",
//                          "rate":0..1,"count":N,"delay_ms":D,"retry_after":S}
//   GET  /control/stats   requests, faults, records served, connections, head
//   GET  /control/ids     {"valid":[ids],"invalid":[ids]}
//   GET  /control/records {"valid":[records]}: every field of each valid record, as held
//                         (timestamp in unix seconds), in the order served
// Usage: NODE_PATH=/usr/share/nodejs node server.js --port P [--seed S] [--start-block B]
//        [--blocks N] [--per-block K] [--big-block-size S] [--invalid M] [--fault JSON]
'use strict';
const http = require('http');
const { graphql, buildSchema, GraphQLScalarType, Kind } = require('graphql');

const args = {};
for (let i = 2; i < process.argv.length; i += 2) {
  args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
}
const port = Number(args.port || 0);
let seed = Number(args.seed || 1) >>> 0;
const startBlock = Number(args['start-block'] || 19000000);

// mulberry32: a small deterministic PRNG, so a seed gives the same fixture every time.
function rand() {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
function hex(n) {
  let s = '';
  while (s.length < n) s += Math.floor(rand() * 16).toString(16);
  return s;
}
const tokens = Array.from({ length: 48 }, () => '0x' + hex(40));

const records = [];  // sorted by (blockNumber, id)
const validIds = [];
const invalidIds = [];
let head = startBlock - 1;

function makeBlock(block, count, invalid) {
  const rows = [];
  let tx = hex(64);
  for (let i = 0; i < count; i++) {
    if (rand() < 0.3) tx = hex(64);
    const row = {
      id: '0x' + tx + '_' + i,
      blockNumber: block,
      timestamp: 1700000000 + (block - startBlock) * 12,
      contractAddress: tokens[Math.floor(rand() * tokens.length)],
      from: '0x' + hex(40),
      to: '0x' + hex(40),
      value: String(Math.floor(rand() * 1e12)) + String(Math.floor(rand() * 1e6)),
      transactionHash: '0x' + tx,
      logIndex: i,
    };
    rows.push(row);
  }
  // Invalid records: the indexer's types let them through, the Transfer decoder does not.
  for (let k = 0; k < invalid && k < rows.length; k++) {
    const row = rows[Math.floor(rand() * rows.length)];
    if (row.bad) continue;
    row.bad = true;
    if (k % 2 === 0) row.value = '-5'; else row.from = '0xnot-an-address';
  }
  rows.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const row of rows) {
    records.push(row);
    (row.bad ? invalidIds : validIds).push(row.id);
  }
  head = block;
}

function append(blocks, perBlock, invalid, bigBlockSize) {
  for (let b = 0; b < blocks; b++) {
    const size = b === Math.floor(blocks / 2) && bigBlockSize ? bigBlockSize : perBlock;
    makeBlock(head + 1, size, b === 0 ? invalid : 0);
  }
}
append(Number(args.blocks || 0), Number(args['per-block'] || 100), Number(args.invalid || 0),
       Number(args['big-block-size'] || 0));

// ---- where clauses of both dialects, evaluated on a record ----
function cmp(a, b) { return a < b ? -1 : a > b ? 1 : 0; }
function compare(value, ops) {
  for (const [op, arg] of Object.entries(ops)) {
    const c = cmp(value, typeof value === 'number' ? Number(arg) : arg);
    if (op === '_eq' && c !== 0) return false;
    if (op === '_gt' && c <= 0) return false;
    if (op === '_gte' && c < 0) return false;
    if (op === '_lt' && c >= 0) return false;
    if (op === '_lte' && c > 0) return false;
  }
  return true;
}
function hasuraMatch(row, where) {
  if (!where) return true;
  for (const [key, arg] of Object.entries(where)) {
    if (key === '_and') { if (!arg.every((w) => hasuraMatch(row, w))) return false; }
    else if (key === '_or') { if (!arg.some((w) => hasuraMatch(row, w))) return false; }
    else if (key === '_not') { if (hasuraMatch(row, arg)) return false; }
    else if (!compare(row[key], arg)) return false;
  }
  return true;
}
function graphMatch(row, where) {
  if (!where) return true;
  for (const [key, arg] of Object.entries(where)) {
    if (key === 'and') { if (!arg.every((w) => graphMatch(row, w))) return false; continue; }
    if (key === 'or') { if (!arg.some((w) => graphMatch(row, w))) return false; continue; }
    const m = /^(.*?)(_gt|_gte|_lt|_lte)?$/.exec(key);
    if (!compare(row[m[1]], { [m[2] || '_eq']: arg })) return false;
  }
  return true;
}

// Pages are served after the last record of the previous page when that one is an
// exact prefix of the answer (what a cursor-following client asks), else from the start.
let hint = 0;
function select(match, limit) {
  let from = 0;
  if (hint > 0 && hint <= records.length && !match(records[hint - 1])) from = hint;
  const out = [];
  for (let i = from; i < records.length && out.length < limit; i++) {
    if (match(records[i])) { out.push(records[i]); hint = i + 1; }
  }
  stats.records += out.length;
  return out;
}

const BigIntScalar = new GraphQLScalarType({
  name: 'BigInt',
  serialize: (v) => String(v),
  parseValue: (v) => String(v),
  parseLiteral: (ast) => (ast.kind === Kind.STRING || ast.kind === Kind.INT ? ast.value : undefined),
});

const hasuraSchema = buildSchema(`
  enum order_by { asc desc }
  input Int_comparison_exp { _eq: Int _gt: Int _gte: Int _lt: Int _lte: Int }
  input String_comparison_exp { _eq: String _gt: String _gte: String _lt: String _lte: String }
  input stablesTransfers_bool_exp {
    _and: [stablesTransfers_bool_exp!] _or: [stablesTransfers_bool_exp!] _not: stablesTransfers_bool_exp
    id: String_comparison_exp blockNumber: Int_comparison_exp
  }
  input stablesTransfers_order_by { blockNumber: order_by id: order_by }
  type stablesTransfers {
    id: String! blockNumber: Int! timestamp: String! contractAddress: String! from: String!
    to: String! value: String! transactionHash: String! logIndex: Int!
  }
  type chain_meta { chainId: Int! progressBlock: Int! sourceBlock: Int! }
  type Query {
    stablesTransfers(where: stablesTransfers_bool_exp, order_by: [stablesTransfers_order_by!],
                     limit: Int, offset: Int): [stablesTransfers!]!
    _meta: [chain_meta!]!
  }
`);
const hasuraRoot = {
  stablesTransfers: ({ where, order_by: orderBy, limit }) => {
    const order = (orderBy || []).map((o) => Object.keys(o)[0]).join(',');
    if (order !== 'blockNumber,id') throw new Error('tests serve order_by [blockNumber, id] only');
    return select((row) => hasuraMatch(row, where), limit ?? 1e9)
      .map((r) => ({ ...r, timestamp: new Date(r.timestamp * 1000).toISOString() }));
  },
  _meta: () => [{ chainId: 1, progressBlock: head, sourceBlock: head + 2 }],
};

const graphSchema = buildSchema(`
  scalar BigInt
  scalar Bytes
  enum OrderDirection { asc desc }
  enum Transfer_orderBy { id blockNumber timestamp }
  input Transfer_filter {
    id: ID id_gt: ID id_gte: ID id_lt: ID id_lte: ID
    blockNumber: BigInt blockNumber_gt: BigInt blockNumber_gte: BigInt blockNumber_lt: BigInt
    blockNumber_lte: BigInt
    and: [Transfer_filter] or: [Transfer_filter]
  }
  type Transfer {
    id: ID! blockNumber: BigInt! timestamp: BigInt! contractAddress: Bytes! from: Bytes!
    to: Bytes! value: BigInt! transactionHash: Bytes! logIndex: BigInt!
  }
  type _Block_ { number: Int! hash: Bytes }
  type _Meta_ { block: _Block_! deployment: String! hasIndexingErrors: Boolean! }
  type Query {
    transfers(first: Int = 100, skip: Int = 0, orderBy: Transfer_orderBy,
              orderDirection: OrderDirection, where: Transfer_filter): [Transfer!]!
    _meta: _Meta_
  }
`);
Object.assign(graphSchema.getType('BigInt'), {
  serialize: BigIntScalar.serialize, parseValue: BigIntScalar.parseValue,
  parseLiteral: BigIntScalar.parseLiteral,
});
const graphRoot = {
  // graph-node orders by the orderBy attribute, then by id.
  transfers: ({ first, orderBy, where }) => {
    if (orderBy !== 'blockNumber') throw new Error('tests serve orderBy: blockNumber only');
    if (first > 1000) throw new Error('The `first` argument must be between 0 and 1000');
    return select((row) => graphMatch(row, where), first);
  },
  _meta: () => ({ block: { number: head, hash: null }, deployment: 'Qmtest', hasIndexingErrors: false }),
};

// ---- faults ----
let fault = { mode: 'none', rate: 1, count: -1, delay_ms: 3000, retry_after: 1,
              ...(args.fault ? JSON.parse(args.fault) : {}) };
const stats = { requests: 0, faults: 0, records: 0, connections: 0 };
const kinds = ['500', 'timeout', 'garbage', '429', 'errors', 'reset'];
function pickFault() {
  if (fault.mode === 'none' || fault.count === 0) return null;
  if (Math.random() >= fault.rate) return null;
  if (fault.count > 0) fault.count--;
  stats.faults++;
  // 'random': faults at random moments (rate), their kinds in turn, so every kind occurs.
  return fault.mode === 'random' ? kinds[(stats.faults - 1) % kinds.length] : fault.mode;
}

function send(res, status, body, headers = {}) {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(body);
}

async function serveGraphql(schema, root, body, res) {
  const kind = pickFault();
  if (kind === '500') return send(res, 500, '{"error":"internal server error"}');
  if (kind === '429') return send(res, 429, '{"error":"rate limited"}', { 'Retry-After': String(fault.retry_after) });
  if (kind === 'garbage') return send(res, 200, '<html><body>502 Bad Gateway</body></html>{"data":');
  if (kind === 'errors') return send(res, 200, '{"data":null,"errors":[{"message":"database query timed out"}]}');
  if (kind === 'reset') return res.socket.destroy();
  if (kind === 'timeout') await new Promise((r) => setTimeout(r, fault.delay_ms));
  let request;
  try { request = JSON.parse(body); } catch (e) { return send(res, 400, '{"errors":[{"message":"bad json"}]}'); }
  const result = await graphql({ schema, source: request.query, rootValue: root, variableValues: request.variables });
  if (!res.destroyed) send(res, 200, JSON.stringify(result));
}

function control(path, body, res) {
  const input = body ? JSON.parse(body) : {};
  if (path === '/control/append') {
    append(input.blocks || 1, input.per_block || 10, input.invalid || 0, 0);
    return send(res, 200, JSON.stringify({ head, records: records.length }));
  }
  if (path === '/control/fault') {
    fault = { mode: 'none', rate: 1, count: -1, delay_ms: 3000, retry_after: 1, ...input };
    return send(res, 200, JSON.stringify(fault));
  }
  if (path === '/control/stats') {
    return send(res, 200, JSON.stringify({ ...stats, head, total: records.length, valid: validIds.length }));
  }
  if (path === '/control/records') {
    return send(res, 200, JSON.stringify({ valid: records.filter((r) => !r.bad) }));
  }
  if (path === '/control/ids') {
    return send(res, 200, JSON.stringify({ valid: validIds, invalid: invalidIds, head }));
  }
  return send(res, 404, '{"error":"no such control endpoint"}');
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    const path = req.url.split('?')[0];
    if (path.startsWith('/control/')) return control(path, body, res);
    stats.requests++;
    if (path === '/v1/graphql') return serveGraphql(hasuraSchema, hasuraRoot, body, res);
    if (path === '/subgraphs/name/test') return serveGraphql(graphSchema, graphRoot, body, res);
    return send(res, 404, '{"error":"unknown path"}');
  });
});
server.on('connection', () => { stats.connections++; });
server.keepAliveTimeout = 120000;
server.headersTimeout = 125000;
server.listen(port, '127.0.0.1', () => {
  console.log(`graphql test server on http://127.0.0.1:${server.address().port} ` +
              `(${records.length} records, head ${head})`);
});
process.on('SIGTERM', () => process.exit(0));
