#!/usr/bin/env node
// The Node.js peer for bench_uploads: the same work as Sluice's PUT /uploads
// (temp file, SHA-256 while streaming, fsync, rename into the store, fsync of
// the directory, 201 JSON), written the way a plain Node 20 server would be:
// `http` and `stream.pipeline`, no packages.
//
//   node server.js --data-dir DIR --listen 127.0.0.1:0
// The bearer token comes from SLUICE_BENCH_TOKEN; prints "listening on URL".
'use strict';

const http = require('node:http');
const fs = require('node:fs');
const fsp = require('node:fs/promises');
const path = require('node:path');
const crypto = require('node:crypto');
const { pipeline } = require('node:stream/promises');
const { Transform } = require('node:stream');

function option(name, fallback) {
    const i = process.argv.indexOf(name);
    return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const dataDir = path.resolve(option('--data-dir', '.'));
const [host, port] = option('--listen', '127.0.0.1:0').split(':');
const token = process.env.SLUICE_BENCH_TOKEN || '';
const maxUploadBytes = 16 * 1024 ** 3;
const tmpDir = path.join(dataDir, 'tmp');
const storeDir = path.join(dataDir, 'uploads');
fs.mkdirSync(tmpDir, { recursive: true });
fs.mkdirSync(storeDir, { recursive: true });

function reply(res, status, body) {
    const text = typeof body === 'string' ? body : JSON.stringify(body) + '\n';
    res.writeHead(status, {
        'Content-Type': typeof body === 'string' ? 'text/plain' : 'application/json',
        'Content-Length': Buffer.byteLength(text),
    });
    res.end(text);
}

async function syncDirectory(dir) {
    const handle = await fsp.open(dir, 'r');
    try {
        await handle.sync();
    } finally {
        await handle.close();
    }
}

async function receive(req, res, name) {
    const declared = Number(req.headers['content-length'] || 0);
    if (declared > maxUploadBytes)
        return reply(res, 413, { error: 'larger than max_upload_bytes' });
    const id = 'u' + crypto.randomBytes(16).toString('hex');
    const tmpPath = path.join(tmpDir, `upload-${id}.part`);
    const hash = crypto.createHash('sha256');
    let size = 0;
    const hasher = new Transform({
        transform(chunk, _encoding, done) {
            hash.update(chunk);
            size += chunk.length;
            done(null, chunk);
        },
    });
    try {
        // flush: fsync before the stream closes the file (Node >= 20.10).
        const file = fs.createWriteStream(tmpPath, { flags: 'wx', mode: 0o600, flush: true });
        await pipeline(req, hasher, file);
        await fsp.rename(tmpPath, path.join(storeDir, id));
        await syncDirectory(storeDir);
    } catch (error) {
        await fsp.unlink(tmpPath).catch(() => {});
        if (!res.headersSent && !res.destroyed)
            reply(res, 500, { error: String(error) });
        return;
    }
    res.setHeader('Location', `/uploads/${id}`);
    reply(res, 201, { id, name, size, sha256: hash.digest('hex') });
}

const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://localhost');
    if (req.method === 'GET' && url.pathname === '/healthz')
        return reply(res, 200, 'ok\n');
    const upload = /^\/uploads\/([^/]+)$/.exec(url.pathname);
    if (!upload)
        return reply(res, 404, { error: 'no such resource' });
    if (req.headers.authorization !== `Bearer ${token}`)
        return reply(res, 401, { error: 'missing or invalid bearer token' });
    if (req.method === 'PUT') {
        receive(req, res, decodeURIComponent(upload[1])).catch((error) => {
            if (!res.headersSent)
                reply(res, 500, { error: String(error) });
        });
        return;
    }
    if (req.method === 'DELETE') {
        const id = upload[1];
        if (!/^u[0-9a-f]{32}$/.test(id))
            return reply(res, 404, { error: 'no such upload' });
        fsp.unlink(path.join(storeDir, id)).then(
            () => { res.writeHead(204); res.end(); },
            () => reply(res, 404, { error: 'no such upload' }));
        return;
    }
    reply(res, 405, { error: 'method not allowed' });
});

server.listen(Number(port), host, () => {
    const address = server.address();
    console.log(`listening on http://${address.address}:${address.port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
