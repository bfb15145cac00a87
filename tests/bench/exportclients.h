#pragma once

#include "healthprobe.h"

#include <QByteArray>

#include <functional>

#include <sys/types.h>

namespace sluice::bench {

// A server that bench_export measures: where it listens, which process holds
// its memory, and how many rows it has taken from the database so far.
struct ExportServer
{
    QByteArray name;
    quint16 port = 0;
    pid_t pid = 0;
    QByteArray extraHeaders; // e.g. "Authorization: Bearer ...\r\n"
    std::function<qint64()> rowsRead; // -1 when unknown
};

// A chunked HTTP/1.1 response (or one with Content-Length, as QHttpServer
// sends) decoded as it arrives: counts the body's bytes and its CRLF-ended
// lines (the CSV header and rows; a bare LF inside a quoted note is not one),
// whatever size the server's chunks are.
class ChunkedBody
{
public:
    void feed(const char *data, qint64 size);
    bool done() const { return m_state == State::Done; }
    bool failed() const { return m_state == State::Failed; }
    int status() const { return m_status; }
    qint64 bytes() const { return m_bytes; }
    qint64 lines() const { return m_lines; }

private:
    enum class State { Head, Size, Data, DataEnd, Trailer, Identity, Done, Failed };
    bool takeLine(const char *&p, const char *end);
    void body(const char *p, qint64 n);

    State m_state = State::Head;
    QByteArray m_line;
    bool m_chunked = false;
    int m_status = 0;
    qint64 m_chunkLeft = 0; // of the chunk, or of a Content-Length body
    qint64 m_length = -1; // Content-Length, when there is one
    int m_crlfLeft = 0;
    qint64 m_bytes = 0;
    qint64 m_lines = 0;
    bool m_lastWasCr = false;
};

// One GET read as fast as the client can; the server's RSS sampled every 10 ms.
struct FastExport
{
    bool complete = false;
    int status = 0;
    double seconds = 0;
    qint64 bodyBytes = 0;
    qint64 lines = 0; // the header row included
    double rssGrowthMiB = 0; // peak during the export minus before it
};
FastExport exportFast(const ExportServer &server, const QByteArray &target);

// One GET read at `bytesPerSecond` (paced by the clock) for `seconds`, then
// abandoned, while HealthProbe starts GET /healthz at `probeHz` on fresh
// connections and the server's RSS and rows read are sampled.
struct SlowExport
{
    int status = 0;
    qint64 bodyBytes = 0;
    qint64 rowsReceived = 0; // whole rows, the header row not counted
    qint64 rowsRead = -1; // by the server meanwhile
    qint64 maxAhead = -1; // rows read minus rows received, largest sample (every 50 ms)
    double rssBeforeMiB = 0;
    double rssPeakMiB = 0;
    HealthProbe::Summary health;
    double slowestProbeAtS = 0; // when the slowest probe was due (the request is sent at 0)
};
SlowExport exportSlow(const ExportServer &server, const QByteArray &target, double bytesPerSecond,
                      int seconds, double probeHz);

} // namespace sluice::bench
