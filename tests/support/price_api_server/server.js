// A price API for tokenflow's tests and benchmarks, speaking the real shapes of the three
// APIs `tokenflow produce prices` reads, from scripted prices (kept as text, so every number
// is sent exactly as scripted: 7.4e-7 stays 7.4e-7):
//   GET /api/v3/simple/price?ids=a,b&vs_currencies=usd&...   CoinGecko (route "coingecko")
//   GET /api/v3/ticker/price                                   Binance, every pair (route "binance")
//   GET /v2/prices/BASE-USD/spot                               Coinbase (route "coinbase")
// Control endpoints for the tests:
//   POST /control/prices {"coingecko":{"usd-coin":{"usd":"0.9998","last_updated_at":1717000000,
//                         "usd_24h_vol":"123.4","usd_24h_change":"-0.01"}},
//                         "binance":{"BTCUSDT":"67000.10"},"coinbase":{"BTC":"67000.015"}}
//                        merges into the scripted prices
//   POST /control/fault  {"route":"coinbase","kind":"429|418|500|hang|garbage|null|missing",
//                         "count":N,"asset":"ETH","retry_after":S,"delay_ms":D}
//                        the next N requests of the route (touching `asset`, if given) get
//                        it; null and missing change only that asset (all without `asset`)
//   GET  /control/stats  {"requests":{route:N},"faults":{route:N},"api_keys":[...],
//                         "served":[{"route":"coingecko","asset":"tether","price":"1.0001"|null,
//                                    "last_updated_at":1717000000}, ...]}
//                        served (with --record-served 1): every price of every 200 answer
//                        with prices, in order (a test's expected ticks, whichever cycle its
//                        faults fell on); off by default, as benchmarks serve millions
// Usage: node server.js --port P [--filler N] [--record-served 1]
//   (N extra Binance pairs, as the real list has)
'use strict';
const http = require('http');

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
const port = Number(args.port || 0);
const recordServed = args['record-served'] === '1';

const prices = { coingecko: {}, binance: {}, coinbase: {} };
for (let i = 0; i < Number(args.filler || 20); i++) prices.binance['FILL' + i + 'BTC'] = '0.000' + (i + 1);
let faults = [];
const stats = { requests: { coingecko: 0, binance: 0, coinbase: 0 }, faults: { coingecko: 0, binance: 0, coinbase: 0 }, api_keys: [], served: [] };

function served(entry) {
  if (recordServed) stats.served.push(entry);
}

function send(res, status, body, headers = {}) {
  if (res.destroyed) return;
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(body);
}

const requestKinds = ['429', '418', '500', 'hang', 'garbage'];
function applies(f, route, assets) {
  return f.route === route && f.count !== 0 && (!f.asset || assets.includes(f.asset));
}
function consume(f, route) {
  if (f.count > 0) f.count--;
  stats.faults[route]++;
}

// The faults this request gets, each consuming one of its count: the first request-level
// one alone (it answers for the whole request), else every asset-level one.
function takeFaults(route, assets) {
  const whole = faults.find((f) => applies(f, route, assets) && requestKinds.includes(f.kind));
  const taken = whole ? [whole] : faults.filter((f) => applies(f, route, assets));
  for (const f of taken) consume(f, route);
  faults = faults.filter((f) => f.count !== 0);
  return taken;
}

// Request-level faults answer for the whole request; true when one did.
async function requestFault(taken, res) {
  const f = taken.find((t) => requestKinds.includes(t.kind));
  if (!f) return false;
  if (f.kind === '429' || f.kind === '418') {
    send(res, Number(f.kind), '{"code":-1003,"msg":"Too many requests."}', { 'Retry-After': String(f.retry_after ?? 1) });
  } else if (f.kind === '500') {
    send(res, 500, '{"error":"internal server error"}');
  } else if (f.kind === 'garbage') {
    send(res, 200, '<html><body>502 Bad Gateway</body></html>{"data":');
  } else {
    await new Promise((r) => setTimeout(r, f.delay_ms ?? 5000));
    send(res, 503, '{"error":"too late"}');
  }
  return true;
}
function assetFault(taken, kind, asset) {
  return taken.some((t) => t.kind === kind && (!t.asset || t.asset === asset));
}

async function coingecko(url, req, res) {
  stats.requests.coingecko++;
  if (req.headers['x-cg-demo-api-key']) stats.api_keys.push(req.headers['x-cg-demo-api-key']);
  const ids = (url.searchParams.get('ids') || '').split(',').filter((s) => s);
  const taken = takeFaults('coingecko', ids);
  if (await requestFault(taken, res)) return;
  const parts = [];
  for (const id of ids) {
    const p = prices.coingecko[id];
    if (!p || assetFault(taken, 'missing', id)) continue;
    const isNull = assetFault(taken, 'null', id);
    const fields = ['"usd":' + (isNull ? 'null' : p.usd)];
    served({ route: 'coingecko', asset: id, price: isNull ? null : String(p.usd), last_updated_at: p.last_updated_at ?? null });
    if (p.usd_24h_vol !== undefined) fields.push('"usd_24h_vol":' + p.usd_24h_vol);
    if (p.usd_24h_change !== undefined) fields.push('"usd_24h_change":' + p.usd_24h_change);
    if (p.last_updated_at !== undefined) fields.push('"last_updated_at":' + p.last_updated_at);
    parts.push(JSON.stringify(id) + ':{' + fields.join(',') + '}');
  }
  send(res, 200, '{' + parts.join(',') + '}');
}

async function binance(res) {
  stats.requests.binance++;
  const pairs = Object.keys(prices.binance);
  const taken = takeFaults('binance', pairs);
  if (await requestFault(taken, res)) return;
  const parts = [];
  for (const pair of pairs) {
    if (assetFault(taken, 'missing', pair)) continue;
    const isNull = assetFault(taken, 'null', pair);
    const price = isNull ? 'null' : JSON.stringify(prices.binance[pair]);
    served({ route: 'binance', asset: pair, price: isNull ? null : String(prices.binance[pair]) });
    parts.push('{"symbol":' + JSON.stringify(pair) + ',"price":' + price + '}');
  }
  send(res, 200, '[' + parts.join(',') + ']');
}

async function coinbase(base, res) {
  stats.requests.coinbase++;
  const taken = takeFaults('coinbase', [base]);
  if (await requestFault(taken, res)) return;
  const amount = prices.coinbase[base];
  if (amount === undefined || assetFault(taken, 'missing', base)) {
    return send(res, 404, '{"errors":[{"id":"not_found","message":"Invalid currency"}]}');
  }
  const isNull = assetFault(taken, 'null', base);
  const text = isNull ? 'null' : JSON.stringify(amount);
  served({ route: 'coinbase', asset: base, price: isNull ? null : String(amount) });
  send(res, 200, '{"data":{"amount":' + text + ',"base":' + JSON.stringify(base) + ',"currency":"USD"}}');
}

function control(path, body, res) {
  const input = body ? JSON.parse(body) : {};
  if (path === '/control/prices') {
    for (const route of ['coingecko', 'binance', 'coinbase']) {
      for (const [key, value] of Object.entries(input[route] || {})) {
        prices[route][key] = route === 'coingecko' ? { ...(prices.coingecko[key] || {}), ...value } : value;
      }
    }
    return send(res, 200, '{}');
  }
  if (path === '/control/fault') {
    faults.push({ count: 1, ...input });
    return send(res, 200, JSON.stringify(faults));
  }
  if (path === '/control/stats') return send(res, 200, JSON.stringify(stats));
  return send(res, 404, '{"error":"no such control endpoint"}');
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url, 'http://localhost');
    const path = url.pathname;
    if (path.startsWith('/control/')) return control(path, body, res);
    if (path === '/api/v3/simple/price') return coingecko(url, req, res);
    if (path === '/api/v3/ticker/price') return binance(res);
    const m = /^\/v2\/prices\/([A-Za-z0-9]+)-USD\/spot$/.exec(path);
    if (m) return coinbase(m[1], res);
    return send(res, 404, '{"error":"unknown path"}');
  });
});
server.keepAliveTimeout = 120000;
server.headersTimeout = 125000;
server.listen(port, '127.0.0.1', () => console.log(`price api test server on http://127.0.0.1:${server.address().port}`));
process.on('SIGTERM', () => process.exit(0));
