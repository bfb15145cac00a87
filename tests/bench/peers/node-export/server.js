#!/usr/bin/env node
// The Node.js peer for bench_export: the same live export as Sluice's
// GET /exports/orders.csv, written the way a plain Node 20 server would be:
// `http` and better-sqlite3's statement iterator, with 'drain' for
// backpressure. The CSV is byte for byte Sluice's (RFC 4180 quoting, CRLF,
// header row, formula neutralisation, REAL as sqlite3 prints it), so that the
// two send the same bytes.
//
//   node server.js --db PATH --listen 127.0.0.1:0
// Prints "listening on URL". No authentication: any bearer is accepted.
// GET /stats answers {"rowsRead": N}, the rows taken from the database so far.
'use strict';

const http = require('node:http');
const Database = require('better-sqlite3');

function option(name, fallback) {
    const i = process.argv.indexOf(name);
    return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const dbPath = option('--db', null);
if (!dbPath) {
    console.error('usage: node server.js --db PATH [--listen HOST:PORT]');
    process.exit(2);
}
const [host, port] = option('--listen', '127.0.0.1:0').split(':');
const db = new Database(dbPath, { readonly: true, fileMustExist: true });

const columns = ['id', 'created_at', 'customer', 'status', 'amount', 'currency', 'note'];
const select = `SELECT ${columns.join(', ')} FROM orders `
    + 'WHERE created_at >= ? AND created_at < ? ORDER BY created_at';
// Rows are joined into pieces of about this many characters before
// res.write(): one write per row would also be one HTTP chunk per row.
const pieceChars = 64 * 1024;
let rowsRead = 0;

function reply(res, status, body) {
    const text = JSON.stringify(body) + '\n';
    res.writeHead(status, {
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(text),
        'Cache-Control': 'no-store',
    });
    res.end(text);
}

// A text cell: a leading = + - @ tab or CR gets an apostrophe so that a
// spreadsheet shows it rather than evaluating it; quoted when it holds a
// comma, a quote, CR or LF, inner quotes doubled (RFC 4180 §2.6, §2.7).
function textCell(value) {
    const first = value.charCodeAt(0);
    const neutralized = first === 0x3d || first === 0x2b || first === 0x2d || first === 0x40
        || first === 0x09 || first === 0x0d ? "'" + value : value;
    return /[",\r\n]/.test(value) ? '"' + neutralized.replace(/"/g, '""') + '"' : neutralized;
}

// One encoder per column, from its declared type: sqlite3 prints a REAL
// that holds a whole number as 487.0, JavaScript as 487.
function cellEncoders(statement) {
    return statement.columns().map(({ type }) => {
        const real = /REAL|FLOA|DOUB/i.test(type || '');
        return (value) => {
            if (value === null)
                return '';
            if (typeof value === 'string')
                return textCell(value);
            if (real && Number.isInteger(value))
                return value.toFixed(1);
            return String(value);
        };
    });
}

function isoDay(text) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(text || ''))
        return null;
    const day = new Date(text + 'T00:00:00Z');
    return Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== text ? null : day;
}

// Resolves on 'drain', or on 'close' when the client goes away first.
function writable(res) {
    return new Promise((resolve) => {
        const done = () => {
            res.off('drain', done);
            res.off('close', done);
            resolve();
        };
        res.on('drain', done);
        res.on('close', done);
    });
}

async function exportOrders(res, from, to) {
    // Whole UTC days: [from 00:00, to + 1 day 00:00), as Sluice binds them.
    const until = new Date(to.getTime() + 86400 * 1000).toISOString().slice(0, 10);
    const statement = db.prepare(select).raw(true);
    const encoders = cellEncoders(statement);
    const rows = statement.iterate(from.toISOString().slice(0, 10), until);
    let closed = false;
    res.on('close', () => { closed = true; });
    res.writeHead(200, {
        'Content-Type': 'text/csv; charset=utf-8; header=present',
        'Content-Disposition': 'attachment; filename="orders.csv"',
    });
    let piece = columns.join(',') + '\r\n';
    for (const row of rows) { // leaving the loop early finalizes the statement
        ++rowsRead;
        for (let c = 0; c < row.length; ++c)
            piece += (c ? ',' : '') + encoders[c](row[c]);
        piece += '\r\n';
        if (piece.length >= pieceChars) {
            const more = res.write(piece);
            piece = '';
            if (!more && !closed)
                await writable(res);
            if (closed)
                return;
        }
    }
    res.end(piece);
}

const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://localhost');
    if (req.method !== 'GET')
        return reply(res, 405, { error: 'method not allowed' });
    if (url.pathname === '/healthz')
        return reply(res, 200, { status: 'ok' });
    if (url.pathname === '/stats')
        return reply(res, 200, { rowsRead });
    if (url.pathname !== '/exports/orders.csv')
        return reply(res, 404, { error: 'no such resource' });
    const from = isoDay(url.searchParams.get('from'));
    const to = isoDay(url.searchParams.get('to'));
    if (!from || !to || to < from)
        return reply(res, 400, { error: 'from and to must be days YYYY-MM-DD, from <= to' });
    exportOrders(res, from, to).catch((error) => {
        if (!res.headersSent)
            return reply(res, 500, { error: String(error) });
        res.destroy(error); // a truncated body must not look complete
    });
});

server.listen(Number(port), host, () => {
    const address = server.address();
    console.log(`listening on http://${address.address}:${address.port}`);
});
process.on('SIGTERM', () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
});
