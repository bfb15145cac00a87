#include "serviceload.h"

#include "testsupport.h"

#include "export/demodata.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpSocket>
#include <QThread>

#include <cstdio>

using namespace Qt::StringLiterals;

namespace sluice::bench {

namespace {

const QByteArray kFullRange
    = QByteArray("from=") + exports::kDemoFirstDay + "&to=" + exports::kDemoLastDay;

QJsonObject jsonOf(const test::Reply &reply)
{
    return QJsonDocument::fromJson(reply.body).object();
}

} // namespace

ServiceLoad::ServiceLoad(quint16 port, QByteArray token)
    : m_port(port)
    , m_token(std::move(token))
{ }

ServiceLoad::~ServiceLoad()
{
    stop();
}

void ServiceLoad::start(int uploaders, int liveExports, int exportJobs, int healthCheckers)
{
    m_stop = false;
    const auto add = [this](int count, void (ServiceLoad::*loop)()) {
        for (int i = 0; i < count; ++i)
            m_threads << QThread::create(loop, this);
    };
    add(uploaders, &ServiceLoad::uploadLoop);
    add(liveExports, &ServiceLoad::liveExportLoop);
    add(exportJobs, &ServiceLoad::exportJobLoop);
    add(healthCheckers, &ServiceLoad::healthLoop);
    for (QThread *t : std::as_const(m_threads)) {
        t->setObjectName(u"bench-client"_s); // out of the measured threads' names in profiles
        t->start();
    }
}

void ServiceLoad::stop()
{
    m_stop = true;
    for (QThread *t : std::as_const(m_threads)) {
        t->wait();
        delete t;
    }
    m_threads.clear();
}

void ServiceLoad::uploadLoop()
{
    QByteArray piece;
    while (piece.size() < 256 * 1024)
        piece += "sluice,benchmark,line\n";
    piece.truncate(256 * 1024);
    while (!m_stop) {
        QTcpSocket s;
        s.connectToHost(QHostAddress::LocalHost, m_port);
        if (!s.waitForConnected(2000))
            continue;
        const qint64 total = m_uploadBytes;
        s.write("PUT /uploads/bench-" + QByteArray::number(++m_uploadNumber)
                + ".txt HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + m_token
                + "\r\nContent-Length: " + QByteArray::number(total) + "\r\n\r\n");
        for (qint64 sent = 0; sent < total && !m_stop; sent += piece.size()) {
            s.write(piece);
            while (s.bytesToWrite() > 1024 * 1024 && !m_stop)
                s.waitForBytesWritten(100);
            m_counters.uploadBytes += piece.size();
        }
        if (!m_stop && s.waitForReadyRead(10'000) && s.readAll().startsWith("HTTP/1.1 201"))
            ++m_counters.uploadsStored;
    }
}

// GET `target` (Connection: close) and read the answer as fast as it comes,
// counting body bytes into `counter`. Complete: a 200 whose body ended as
// framed (Content-Length reached, or the last chunk), not cut by stop(). The
// end of the framing ends the download: the server's close is not waited for
// (a keep-alive client would not wait for it either).
bool ServiceLoad::download(const QByteArray &target, std::atomic<qint64> &counter)
{
    QTcpSocket s;
    s.connectToHost(QHostAddress::LocalHost, m_port);
    if (!s.waitForConnected(2000))
        return false;
    s.write("GET " + target + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + m_token
            + "\r\nConnection: close\r\n\r\n");
    QByteArray head, tail;
    bool headDone = false;
    qint64 body = 0, length = -1;
    const auto complete = [&] {
        return headDone && (length >= 0 ? body >= length : tail == "\r\n0\r\n\r\n");
    };
    const auto take = [&](QByteArray data) {
        if (!headDone) {
            head += data;
            const qsizetype end = head.indexOf("\r\n\r\n");
            if (end < 0)
                return;
            headDone = true;
            data = head.mid(end + 4);
            head.truncate(end + 4);
            for (const QByteArray &line : head.split('\n')) {
                if (line.toLower().startsWith("content-length:"))
                    length = line.mid(15).trimmed().toLongLong();
            }
        }
        body += data.size();
        counter += data.size();
        // The previous chunk's CRLF and the last chunk, which may come split.
        // (A CSV body always has its header row, so a chunk comes before.)
        tail += data.right(7);
        tail = tail.right(7);
    };
    while (!m_stop && !complete() && s.state() == QAbstractSocket::ConnectedState) {
        if (s.waitForReadyRead(500))
            take(s.readAll());
    }
    if (!complete())
        take(s.readAll());
    return !m_stop && head.startsWith("HTTP/1.1 200") && complete();
}

void ServiceLoad::liveExportLoop()
{
    while (!m_stop) {
        if (download("/exports/orders.csv?" + kFullRange, m_counters.liveBytes))
            ++m_counters.liveDone;
        else if (!m_stop)
            ++m_counters.liveRefused;
    }
}

// Polled every 200 ms; deleted once downloaded, or results would pile up on
// the data dir (in RAM when it is on /dev/shm).
void ServiceLoad::exportJobLoop()
{
    const QByteArray auth = "Authorization: Bearer " + m_token + "\r\n";
    const QByteArray body
        = QJsonDocument(QJsonObject {{u"dataset"_s, u"orders"_s},
                                     {u"from"_s, QString::fromLatin1(exports::kDemoFirstDay)},
                                     {u"to"_s, QString::fromLatin1(exports::kDemoLastDay)}})
              .toJson(QJsonDocument::Compact);
    const auto post = [&](const QByteArray &target, const QByteArray &json) {
        return test::request(m_port,
                             "POST " + target + " HTTP/1.1\r\nHost: x\r\n" + auth
                                 + "Content-Type: application/json\r\nContent-Length: "
                                 + QByteArray::number(json.size()) + "\r\n\r\n" + json,
                             10'000);
    };
    while (!m_stop) {
        const test::Reply submitted = post("/exports", body);
        const QByteArray id = jsonOf(submitted).value(u"id"_s).toString().toLatin1();
        if (submitted.status != 202 || id.isEmpty()) {
            ++m_counters.jobsRefused;
            QThread::msleep(500);
            continue;
        }
        QString state;
        while (!m_stop) {
            QThread::msleep(200);
            state = jsonOf(test::request(m_port, test::get("/jobs/" + id, auth), 10'000))
                        .value(u"state"_s)
                        .toString();
            if (state != u"queued"_s && state != u"running"_s && !state.isEmpty())
                break;
        }
        if (m_stop) { // leave nothing running behind the measurement
            post("/jobs/" + id + "/cancel", {});
            break;
        }
        if (state == u"succeeded"_s && download("/jobs/" + id + "/result", m_counters.jobBytes))
            ++m_counters.jobsDone;
        else if (!m_stop)
            ++m_counters.jobsRefused;
        test::request(m_port, "DELETE /jobs/" + id + " HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n",
                      10'000);
    }
}

void ServiceLoad::healthLoop()
{
    while (!m_stop) {
        QTcpSocket s;
        s.connectToHost(QHostAddress::LocalHost, m_port);
        if (!s.waitForConnected(2000))
            continue;
        s.write("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        s.waitForDisconnected(2000);
        ++m_counters.healthChecks;
    }
}

qint64 waitForDemoDataset(quint16 port, const QByteArray &token, int timeoutMs)
{
    QElapsedTimer clock;
    clock.start();
    const QByteArray target = QByteArray("/exports/orders.csv?from=") + exports::kDemoFirstDay
        + "&to=" + exports::kDemoFirstDay;
    while (clock.elapsed() < timeoutMs) {
        const int status
            = test::request(port, test::get(target, "Authorization: Bearer " + token + "\r\n"),
                            10'000)
                  .status;
        if (status == 200)
            return clock.elapsed();
        if (status != 503) {
            std::fprintf(stderr, "a one-day export of the demo dataset answered %d\n", status);
            return -1;
        }
        QElapsedTimer pause;
        pause.start();
        while (pause.elapsed() < 250)
            QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 50);
    }
    std::fprintf(stderr, "the demo dataset was not ready after %d ms\n", timeoutMs);
    return -1;
}

} // namespace sluice::bench
