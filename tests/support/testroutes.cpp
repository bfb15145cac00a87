#include "testroutes.h"

#include "http/exchange.h"

#include <QFile>
#include <QJsonObject>
#include <QTimer>

using namespace Qt::StringLiterals;

namespace sluice::test {

void Probe::reset()
{
    sinkBytes = 0;
    sinkPeakBuffered = 0;
    sinkAborts = 0;
    sinkFinishes = 0;
    produced = 0;
    producerAborts = 0;
    holdSink = false;
}

Probe &probe()
{
    static Probe p;
    return p;
}

QPointer<CountingSink> CountingSink::current;

CountingSink::CountingSink(QPointer<http::Exchange> exchange)
    : m_exchange(std::move(exchange))
{
    current = this;
}

void CountingSink::write(const QByteArray &piece)
{
    m_total += piece.size();
    for (char c : piece)
        m_sum = m_sum * 31 + quint8(c);
    probe().sinkBytes = m_total;
    if (probe().holdSink) {
        m_buffered += piece.size();
        probe().sinkPeakBuffered = std::max<qint64>(probe().sinkPeakBuffered, m_buffered);
    }
}

bool CountingSink::isFull() const
{
    return probe().holdSink && m_buffered >= probe().sinkCapacity;
}

void CountingSink::release()
{
    probe().holdSink = false;
    m_buffered = 0;
    emit drained();
}

void CountingSink::finish()
{
    ++probe().sinkFinishes;
    if (m_exchange) {
        m_exchange->respond(http::Response::json(
            201, QJsonObject {{u"bytes"_s, m_total}, {u"sum"_s, qint64(m_sum)}}));
    }
}

void CountingSink::abort(const QString &)
{
    ++probe().sinkAborts;
}

std::optional<qint64> CountingProducer::size() const
{
    return m_total >= 0 ? std::optional<qint64>(m_total) : std::nullopt;
}

QByteArray CountingProducer::read(qint64 maxBytes)
{
    const qint64 n = m_total >= 0 ? std::min(maxBytes, m_total - m_done) : maxBytes;
    QByteArray piece(n, Qt::Uninitialized);
    for (qint64 i = 0; i < n; ++i)
        piece[i] = char('a' + (m_done + i) % 26);
    m_done += n;
    probe().produced += n;
    return piece;
}

QByteArray FaultyProducer::read(qint64 maxBytes)
{
    if (m_failInRead) {
        emit failed(u"disk error while reading"_s);
        return {};
    }
    const qint64 n = std::min(maxBytes, m_actual - m_done);
    m_done += n;
    return QByteArray(n, 'x');
}

namespace {

// Rejects the body from inside write(), as an upload sink does at its limit.
class LimitedSink final : public http::BodySink
{
public:
    explicit LimitedSink(QPointer<http::Exchange> exchange)
        : m_exchange(std::move(exchange))
    { }
    void write(const QByteArray &piece) override
    {
        m_total += piece.size();
        if (m_total > 10 && m_exchange)
            m_exchange->respond(
                http::HttpError::limitExceeded(413, u"body over 10 bytes"_s, u"test_limit"_s, 10));
    }
    bool isFull() const override { return false; }
    void finish() override
    {
        ++probe().sinkFinishes;
        if (m_exchange)
            m_exchange->respond(http::Response::text(201, "ok\n"));
    }
    void abort(const QString &) override { ++probe().sinkAborts; }

private:
    QPointer<http::Exchange> m_exchange;
    qint64 m_total = 0;
};

// Writes the body to <dir>/<request id>.part; abort() closes and removes it.
class TempFileSink final : public http::BodySink
{
public:
    TempFileSink(QPointer<http::Exchange> exchange, const QString &dir)
        : m_exchange(std::move(exchange))
        , m_file(dir + u'/' + QString::number(m_exchange->request().id) + u".part"_s)
    {
        m_file.open(QIODevice::WriteOnly);
    }
    void write(const QByteArray &piece) override { m_file.write(piece); }
    bool isFull() const override { return false; }
    void finish() override
    {
        ++probe().sinkFinishes;
        m_file.close();
        if (m_exchange)
            m_exchange->respond(http::Response::text(201, "stored\n"));
    }
    void abort(const QString &) override
    {
        ++probe().sinkAborts;
        m_file.remove();
    }

private:
    QPointer<http::Exchange> m_exchange;
    QFile m_file;
};

} // namespace

void addTempFileRoute(http::Router &router, const QString &dir)
{
    router.add("PUT", u"/tempfile"_s, http::Access::Public,
               [dir](http::Exchange &ex) { ex.receiveBody(new TempFileSink(&ex, dir)); });
}

void addTestRoutes(http::Router &router)
{
    using http::Access;
    using http::Exchange;
    using http::Response;
    router.add("GET", u"/healthz"_s, Access::Public,
               [](Exchange &ex) { ex.respond(Response::text(200, "ok\n")); });
    router.add("GET", u"/secure"_s, Access::Account, [](Exchange &ex) {
        ex.respond(Response::text(200, ex.request().account.toUtf8()));
    });
    router.add("GET", u"/admin-only"_s, Access::Admin,
               [](Exchange &ex) { ex.respond(Response::text(200, "admin\n")); });
    router.add("GET", u"/slow/{ms}"_s, Access::Public, [](Exchange &ex) {
        QPointer<Exchange> p(&ex);
        QTimer::singleShot(ex.pathParam(u"ms"_s).toInt(), [p] {
            if (p)
                p->respond(Response::text(200, "slow " + p->pathParam(u"ms"_s).toLatin1()));
        });
    });
    router.add("GET", u"/fast/{n}"_s, Access::Public, [](Exchange &ex) {
        ex.respond(Response::text(200, "fast " + ex.pathParam(u"n"_s).toLatin1()));
    });
    router.add("GET", u"/never"_s, Access::Public, [](Exchange &) {});
    router.add("PUT", u"/sink"_s, Access::Account,
               [](Exchange &ex) { ex.receiveBody(new CountingSink(&ex)); });
    router.add("PUT", u"/reject"_s, Access::Public, [](Exchange &ex) {
        ex.respond(http::HttpError::limitExceeded(413, u"too large"_s, u"max_upload_bytes"_s, 10));
    });
    router.add("GET", u"/stream"_s, Access::Public, [](Exchange &ex) {
        Response r;
        r.producer = std::make_shared<CountingProducer>();
        ex.respond(std::move(r));
    });
    router.add("GET", u"/fail-in-read"_s, Access::Public, [](Exchange &ex) {
        Response r;
        r.producer = std::make_shared<FaultyProducer>(100, 100, true);
        ex.respond(std::move(r));
    });
    router.add("GET", u"/lying/{declared}/{actual}"_s, Access::Public, [](Exchange &ex) {
        Response r;
        r.producer
            = std::make_shared<FaultyProducer>(ex.pathParam(u"declared"_s).toLongLong(),
                                               ex.pathParam(u"actual"_s).toLongLong(), false);
        ex.respond(std::move(r));
    });
    router.add("PUT", u"/limited"_s, Access::Public,
               [](Exchange &ex) { ex.receiveBody(new LimitedSink(&ex)); });
    router.add("GET", u"/bytes/{n}"_s, Access::Public, [](Exchange &ex) {
        Response r;
        r.producer = std::make_shared<CountingProducer>(ex.pathParam(u"n"_s).toLongLong());
        ex.respond(std::move(r));
    });
}

} // namespace sluice::test
