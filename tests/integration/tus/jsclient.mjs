// Uploads one file with tus-js-client (the official tus client, pinned in
// package.json) for tests/integration/tst_tusclients.cpp, and prints what
// happened as JSON lines on stdout: every request and response with its
// Upload-Offset, every retry, then {"event":"success"} or {"event":"error"}.
//
//   SLUICE_TOKEN=... node jsclient.mjs --endpoint http://127.0.0.1:PORT/files/ \
//       --file PATH [--chunk-size BYTES] [--retry-delays 0,200,1000] [--deferred]
//       [--data-during-creation] [--parallel N] [--terminate-after CHUNKS]
//       [--source path|buffer|stream] [--name NAME] [--type TYPE]
//
// --terminate-after: abort the upload after that many chunks and have the
// client delete it on the server (termination), then print "terminated".
//
// --source: "path" hands tus-js-client an fs.ReadStream (it re-opens the file
// at any offset, so it can resume anywhere); "buffer" the whole file in
// memory; "stream" a plain Readable of unknown length, which is what
// uploadLengthDeferred is for.
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { PassThrough } from 'node:stream';
import { parseArgs } from 'node:util';
import { Upload } from 'tus-js-client';

const { values: args } = parseArgs({
    options: {
        endpoint: { type: 'string' },
        file: { type: 'string' },
        'chunk-size': { type: 'string' },
        'retry-delays': { type: 'string', default: '' },
        deferred: { type: 'boolean', default: false },
        'data-during-creation': { type: 'boolean', default: false },
        parallel: { type: 'string', default: '1' },
        'terminate-after': { type: 'string' },
        source: { type: 'string', default: 'path' },
        name: { type: 'string' },
        type: { type: 'string', default: 'application/octet-stream' },
    },
});

function say(event, fields = {}) {
    process.stdout.write(`${JSON.stringify({ event, ...fields })}\n`);
}

function fail(message) {
    say('error', { message });
    process.exit(1);
}

if (!args.endpoint || !args.file)
    fail('usage: jsclient.mjs --endpoint URL --file PATH [options]');
const token = process.env.SLUICE_TOKEN;
if (!token)
    fail('SLUICE_TOKEN is not set');

const size = statSync(args.file).size;
let input;
if (args.source === 'path')
    input = createReadStream(args.file);
else if (args.source === 'buffer')
    input = readFileSync(args.file);
else if (args.source === 'stream')
    input = createReadStream(args.file).pipe(new PassThrough()); // no path: length unknown
else
    fail(`unknown --source ${args.source}`);

const chunkSize = args['chunk-size'] ? Number(args['chunk-size']) : Infinity;
const retryDelays = args['retry-delays']
    ? args['retry-delays'].split(',').map(Number)
    : null;

// tus-js-client's own rule (not exported): retry unless a 4xx other than 409 or 423.
function retryable(err) {
    const status = err.originalResponse ? err.originalResponse.getStatus() : 0;
    return !(status >= 400 && status < 500) || status === 409 || status === 423;
}

let chunks = 0;
const upload = new Upload(input, {
    endpoint: args.endpoint,
    headers: { Authorization: `Bearer ${token}` },
    metadata: { filename: args.name ?? basename(args.file), filetype: args.type },
    chunkSize,
    retryDelays,
    uploadLengthDeferred: args.deferred,
    uploadDataDuringCreation: args['data-during-creation'],
    // Above 1: partial uploads side by side, then a final one that
    // concatenates them (the concatenation extension).
    parallelUploads: Number(args.parallel),
    // Nothing remembered between runs: each run is one fresh upload.
    storeFingerprintForResuming: false,
    onBeforeRequest(req) {
        say('request', {
            method: req.getMethod(),
            url: req.getURL(),
            offset: req.getHeader('Upload-Offset') ?? null,
            length: req.getHeader('Upload-Length') ?? null,
            deferLength: req.getHeader('Upload-Defer-Length') ?? null,
            concat: req.getHeader('Upload-Concat') ?? null,
        });
    },
    onAfterResponse(req, res) {
        say('response', {
            method: req.getMethod(),
            url: req.getURL(),
            status: res.getStatus(),
            offset: res.getHeader('Upload-Offset') ?? null,
            location: res.getHeader('Location') ?? null,
        });
    },
    onUploadUrlAvailable() {
        say('url', { url: upload.url });
    },
    onChunkComplete(chunk, accepted, total) {
        say('chunk', { chunk, accepted, total: total ?? null });
        if (args['terminate-after'] && ++chunks === Number(args['terminate-after'])) {
            upload.abort(true).then(
                () => { say('terminated', { url: upload.url }); process.exit(0); },
                (err) => fail(`termination: ${err.message ?? err}`));
        }
    },
    onShouldRetry(err, attempt) {
        const retry = retryable(err);
        say('retry', { attempt, retry, message: String(err.message ?? err) });
        return retry;
    },
    onError(err) {
        fail(String(err.message ?? err));
    },
    onSuccess() {
        say('success', { url: upload.url, size });
        process.exit(0);
    },
});
upload.start();
