#pragma once

#include "http/bodysink.h"
#include "http/responseproducer.h"
#include "http/router.h"

#include <QPointer>

#include <atomic>

namespace sluice::test {

// What the test routes did, readable from the test thread.
struct Probe
{
    std::atomic<qint64> sinkBytes {0};
    std::atomic<qint64> sinkPeakBuffered {0};
    std::atomic<int> sinkAborts {0};
    std::atomic<int> sinkFinishes {0};
    std::atomic<qint64> produced {0};
    std::atomic<int> producerAborts {0};
    std::atomic<bool> holdSink {false}; // sinks report full once they hold sinkCapacity bytes
    qint64 sinkCapacity = 128 * 1024;
    void reset();
};
Probe &probe();

// A sink that counts what it receives. While probe().holdSink is set it keeps
// what it got "buffered" and reports full at the capacity; release() drains it.
class CountingSink final : public http::BodySink
{
    Q_OBJECT
public:
    explicit CountingSink(QPointer<http::Exchange> exchange);
    void write(const QByteArray &piece) override;
    bool isFull() const override;
    void finish() override;
    void abort(const QString &reason) override;
    void release();
    static QPointer<CountingSink> current;

private:
    QPointer<http::Exchange> m_exchange;
    qint64 m_buffered = 0;
    qint64 m_total = 0;
    quint32 m_sum = 0;
};

// Endless pseudo-random bytes, or `total` bytes; counts what it produced.
class CountingProducer final : public http::ResponseProducer
{
    Q_OBJECT
public:
    explicit CountingProducer(qint64 total = -1)
        : m_total(total)
    { }
    std::optional<qint64> size() const override;
    QByteArray read(qint64 maxBytes) override;
    bool atEnd() const override { return m_total >= 0 && m_done >= m_total; }
    void abort() override { ++probe().producerAborts; }

private:
    qint64 m_total;
    qint64 m_done = 0;
};

// A producer that misbehaves the way real ones can: fails inside read(), or
// delivers more or fewer bytes than its size() announced.
class FaultyProducer final : public http::ResponseProducer
{
    Q_OBJECT
public:
    FaultyProducer(qint64 declared, qint64 actual, bool failInRead)
        : m_declared(declared)
        , m_actual(actual)
        , m_failInRead(failInRead)
    { }
    std::optional<qint64> size() const override { return m_declared; }
    QByteArray read(qint64 maxBytes) override;
    bool atEnd() const override { return m_done >= m_actual; }
    void abort() override { ++probe().producerAborts; }

private:
    qint64 m_declared;
    qint64 m_actual;
    bool m_failInRead;
    qint64 m_done = 0;
};

// /healthz, /secure, /admin-only, /slow/{ms}, /never, PUT /sink, PUT /reject,
// GET /stream, GET /bytes/{n}, GET /fail-in-read, GET /lying/{declared}/{actual},
// PUT /limited (answers 413 from inside write() past 10 bytes)
void addTestRoutes(http::Router &router);

// PUT /tempfile: writes the body to a file in `dir` (as an upload does before
// its rename) and removes that file when the request is aborted.
void addTempFileRoute(http::Router &router, const QString &dir);

} // namespace sluice::test
