#!/usr/bin/env node
// The Node.js peer for bench_slowreaders: serves one file to every client the
// way a plain Node 20 server would (`fs.createReadStream(file).pipe(res)`),
// plus /healthz. No packages.
//
//   node server.js --file PATH --listen 127.0.0.1:0
// The bearer token comes from SLUICE_BENCH_TOKEN; prints "listening on URL".
'use strict';

const http = require('node:http');
const fs = require('node:fs');

function option(name, fallback) {
    const i = process.argv.indexOf(name);
    return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const file = option('--file', '');
const [host, port] = option('--listen', '127.0.0.1:0').split(':');
const token = process.env.SLUICE_BENCH_TOKEN || '';
const size = fs.statSync(file).size;

const server = http.createServer((req, res) => {
    if (req.url === '/healthz') {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end('{"status":"ok"}\n');
        return;
    }
    if (req.headers.authorization !== `Bearer ${token}`) {
        res.writeHead(401, { 'Content-Type': 'application/json' });
        res.end('{"error":"unauthorized"}\n');
        return;
    }
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': size });
    const stream = fs.createReadStream(file);
    stream.on('error', () => res.destroy());
    res.on('close', () => stream.destroy());
    stream.pipe(res);
});
server.maxConnections = 100000;
server.keepAliveTimeout = 15000;
server.requestTimeout = 0; // the slow clients take minutes, as they do with Sluice
server.listen(Number(port), host, () => {
    console.log(`listening on http://${host}:${server.address().port}`);
});
process.on('SIGTERM', () => process.exit(0));
