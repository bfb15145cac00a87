#!/usr/bin/env node
// The tus 1.0 peer for bench_tus: @tus/server with @tus/file-store, as their
// README sets them up, nothing tuned. Versions pinned in package.json and
// package-lock.json; tests/bench/run-tus.sh installs them with `npm ci`.
//
//   node server.js --data-dir DIR --listen 127.0.0.1:0
// Uploads go to DIR/files (ID and ID.json); prints "listening on URL".
// No auth: @tus/server has none of its own. FileStore writes through a
// fs.WriteStream and never fsyncs, and reports a file's size as its offset
// (so the bytes of a PATCH cut short count); Sluice fdatasyncs each PATCH
// before its 204 (docs/benchmarks.md, "Resumable uploads (issue 24)").
import path from 'node:path';
import { Server } from '@tus/server';
import { FileStore } from '@tus/file-store';

function option(name, fallback) {
    const i = process.argv.indexOf(name);
    return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const dataDir = path.resolve(option('--data-dir', '.'));
const [host, port] = option('--listen', '127.0.0.1:0').split(':');

const tus = new Server({
    path: '/files',
    datastore: new FileStore({ directory: path.join(dataDir, 'files') }),
});
const listener = tus.listen(Number(port), host, () => {
    console.log(`listening on http://${host}:${listener.address().port}/files`);
});
process.on('SIGTERM', () => listener.close(() => process.exit(0)));
