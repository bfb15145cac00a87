// GET /api/stream (issue 20) against an in-process Service: what an admin
// and another account receive, resuming with Last-Event-ID over HTTP,
// max_streams, a subscriber that stops reading while events pour in (the
// server's buffered bytes stay under the per-connection bound and the
// subscriber gets `reset`), and streams ending at once when the service
// stops. The client reads on this thread's event loop, which is also the
// one the Service (and the event log's deliveries) run on.
#include "servicefixture.h"
#include "ssetesting.h"
#include "testsupport.h"

#include "config/config.h"
#include "jobs/jobengine.h"
#include "metrics/eventlog.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpSocket>
#include <QTest>

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <sys/socket.h>

using namespace sluice;
using namespace sluice::test;
using namespace Qt::StringLiterals;

namespace {

using Frame = SseFrame;

// A Server-Sent Events client over a plain socket: the response head, then
// the chunked body decoded into frames as they come.
class SseClient
{
public:
    SseClient(quint16 port, const QString &token, const QByteArray &lastEventId = {},
              int receiveBuffer = 0)
    {
        if (receiveBuffer > 0) {
            // The kernel's buffer must be small before the handshake (the
            // window is agreed then), and Qt's too: a pause reaches the server.
            const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
            ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receiveBuffer, sizeof receiveBuffer);
            sockaddr_in to {};
            to.sin_family = AF_INET;
            to.sin_port = htons(port);
            to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            if (::connect(fd, reinterpret_cast<sockaddr *>(&to), sizeof to) != 0)
                qWarning("connect: %s", strerror(errno));
            m_socket.setSocketDescriptor(fd);
            m_socket.setReadBufferSize(receiveBuffer);
        } else {
            m_socket.connectToHost(QHostAddress::LocalHost, port);
        }
        QByteArray request = "GET /api/stream HTTP/1.1\r\nHost: t\r\n" + bearer(token);
        if (!lastEventId.isEmpty())
            request += "Last-Event-ID: " + lastEventId + "\r\n";
        m_socket.write(request + "\r\n");
    }

    // Reads what has arrived (paused: leaves it in the kernel).
    void setPaused(bool paused) { m_paused = paused; }

    bool waitForHead(int timeoutMs = 5000)
    {
        return QTest::qWaitFor(
            [&] {
                pump();
                return status != 0;
            },
            timeoutMs);
    }
    // Waits until a frame of that event arrives; returns it (or an empty frame).
    Frame waitFor(const QByteArray &event, int timeoutMs = 5000)
    {
        Frame found;
        (void)QTest::qWaitFor(
            [&] {
                pump();
                for (qsizetype i = m_taken; i < frames().size(); ++i) {
                    if (frames().at(i).event == event) {
                        found = frames().at(i);
                        m_taken = i + 1;
                        return true;
                    }
                }
                return false;
            },
            timeoutMs);
        return found;
    }
    bool waitForEnd(int timeoutMs)
    {
        return QTest::qWaitFor(
            [&] {
                pump();
                return ended || m_socket.state() != QAbstractSocket::ConnectedState;
            },
            timeoutMs);
    }
    QByteArray lastId() const
    {
        for (qsizetype i = frames().size() - 1; i >= 0; --i) {
            if (!frames().at(i).id.isEmpty())
                return frames().at(i).id;
        }
        return {};
    }

    QByteArray raw() const { return m_raw; } // what is not parsed yet (a plain body)
    int status = 0;
    QByteArray head;
    const QList<Frame> &frames() const { return m_blocks.frames; }
    bool ended = false; // the last chunk came

private:
    void pump()
    {
        if (m_paused)
            return;
        m_raw += m_socket.readAll();
        if (status == 0) {
            const qsizetype end = m_raw.indexOf("\r\n\r\n");
            if (end < 0)
                return;
            head = m_raw.left(end);
            status = head.mid(9, 3).toInt();
            m_raw.remove(0, end + 4);
        }
        // Chunks: SIZE\r\nDATA\r\n ... 0\r\n\r\n
        for (;;) {
            const qsizetype line = m_raw.indexOf("\r\n");
            if (line < 0)
                break;
            bool ok = false;
            const qsizetype size = m_raw.left(line).toLongLong(&ok, 16);
            if (!ok || m_raw.size() < line + 2 + size + 2)
                break;
            if (size == 0) {
                ended = true;
                break;
            }
            m_text += m_raw.mid(line + 2, size);
            m_raw.remove(0, line + 2 + size + 2);
        }
        takeSseBlocks(m_text, m_blocks);
    }

    QTcpSocket m_socket;
    SseBlocks m_blocks;
    QByteArray m_raw;
    QByteArray m_text;
    qsizetype m_taken = 0;
    bool m_paused = false;
};

metrics::Event testEvent(const QString &detail)
{
    metrics::Event e;
    e.kind = u"test"_s;
    e.detail = detail;
    return e;
}

} // namespace

class tst_Stream : public QObject
{
    Q_OBJECT
private slots:
    void adminSeesTheServiceLive();
    void accountSeesOnlyItsOwn();
    void resumesWithLastEventId();
    void maxStreams();
    void stalledSubscriberHoldsABoundedBuffer();
    void stopEndsStreamsAtOnce();
    void demotedAdminLosesTheStream();
};

void tst_Stream::adminSeesTheServiceLive()
{
    ServiceFixture f;
    QVERIFY(f.start());
    SseClient c(f.port, f.admin);
    QVERIFY(c.waitForHead());
    QCOMPARE(c.status, 200);
    QVERIFY(c.head.contains("Content-Type: text/event-stream"));
    // The state first: status and limits, then a sample each interval.
    QCOMPARE(c.waitFor("status").data.value(u"state"_s).toString(), u"running"_s);
    QVERIFY(c.waitFor("limits").data.value(u"limits"_s).toArray().size() > 40);
    QVERIFY(c.waitFor("sample").data.contains(u"process"_s));
    const Frame live = c.waitFor("sample", 5000); // the next one, with an id
    QVERIFY(live.id.contains('-'));

    f.service->eventLog()->record(testEvent(u"hello"_s));
    QCOMPARE(c.waitFor("event").data.value(u"detail"_s).toString(), u"hello"_s);

    QCOMPARE(f.patch(f.admin, R"({"max_active_jobs": 3})").status, 200);
    bool seen = false;
    for (Frame l = c.waitFor("limits"); !l.event.isEmpty() && !seen; l = c.waitFor("limits")) {
        for (const QJsonValue &v : l.data.value(u"limits"_s).toArray())
            seen |= v[u"name"_s] == u"max_active_jobs"_s && v[u"value"_s].toInt() == 3;
    }
    QVERIFY(seen);

    const QByteArray body = R"({"kind":"selftest","params":{"steps":1}})";
    auto post = f.send("POST /jobs HTTP/1.1\r\nHost: t\r\n" + bearer(f.admin)
                       + "Content-Type: application/json\r\nContent-Length: "
                       + QByteArray::number(body.size()) + "\r\n\r\n" + body);
    const Reply r = f.wait(post);
    QCOMPARE(r.status, 202);
    const QString id = QJsonDocument::fromJson(r.body).object().value(u"id"_s).toString();
    bool jobSeen = false;
    for (Frame j = c.waitFor("jobs"); !j.event.isEmpty() && !jobSeen; j = c.waitFor("jobs")) {
        for (const QJsonValue &v : j.data.value(u"changed"_s).toArray())
            jobSeen |= v[u"id"_s].toString() == id;
    }
    QVERIFY(jobSeen);
    // Requests in flight show as transfers; the stream itself does not (it
    // would keep the list busy for as long as it is open).
    RawClient slow(f.port);
    slow.send("PUT /uploads/slow.bin HTTP/1.1\r\nHost: t\r\n" + bearer(f.admin)
              + "Content-Length: 1000000\r\n\r\n" + QByteArray(1000, 'x'));
    bool upload = false;
    for (Frame t = c.waitFor("transfers"); !t.event.isEmpty() && !upload;
         t = c.waitFor("transfers")) {
        for (const QJsonValue &v : t.data.value(u"transfers"_s).toArray()) {
            QVERIFY(v[u"route"_s].toString() != u"/api/stream"_s);
            upload |= v[u"path"_s].toString() == u"/uploads/slow.bin"_s;
        }
    }
    QVERIFY(upload);
}

void tst_Stream::accountSeesOnlyItsOwn()
{
    ServiceFixture f;
    QVERIFY(f.start());
    SseClient admin(f.port, f.admin);
    SseClient user(f.port, f.user);
    QVERIFY(admin.waitForHead());
    QVERIFY(user.waitForHead());
    QCOMPARE(user.status, 200);
    f.service->eventLog()->record(testEvent(u"admins only"_s));
    QVERIFY(!admin.waitFor("event").event.isEmpty());
    QVERIFY(!admin.waitFor("sample").event.isEmpty());

    // One job of bob's and one of another account's.
    auto cfg = config::Config::load(f.configPath());
    QVERIFY(cfg);
    QString bobId;
    for (const config::Account &a : cfg->accounts) {
        if (a.name == u"bob"_s)
            bobId = a.id;
    }
    QVERIFY(!bobId.isEmpty());
    QStringList ids;
    for (const jobs::Principal &owner : {jobs::Principal {bobId, u"bob"_s, false},
                                         jobs::Principal {u"other"_s, u"other"_s, false}}) {
        f.service->jobEngine()->submit(
            u"selftest"_s, QJsonObject {{u"steps"_s, 1}}, owner, f.service.get(),
            [&ids](const jobs::SubmitResult &r) { ids.append(r.job ? r.job->id : QString()); });
    }
    QTRY_COMPARE(ids.size(), 2);
    QVERIFY(!ids.contains(QString()));
    const auto jobIds = [](const SseClient &c) {
        QStringList out;
        for (const Frame &fr : c.frames()) {
            for (const QJsonValue &v : fr.data.value(u"changed"_s).toArray())
                out.append(v[u"id"_s].toString());
        }
        return out;
    };
    QTRY_VERIFY((admin.waitFor("nothing", 10), jobIds(admin).contains(ids.at(1))));
    QTRY_VERIFY((user.waitFor("nothing", 10), jobIds(user).contains(ids.at(0))));
    // A sample sent after bob's job reached him: bob's stream had it too if it leaked.
    QVERIFY(!admin.waitFor("sample").event.isEmpty());
    user.waitFor("nothing", 10);
    QVERIFY(!jobIds(user).contains(ids.at(1)));
    for (const Frame &fr : user.frames())
        QVERIFY2(fr.event == "jobs", fr.event.constData());
}

void tst_Stream::resumesWithLastEventId()
{
    ServiceFixture f;
    QVERIFY(f.start());
    QByteArray lastId;
    {
        SseClient c(f.port, f.admin);
        QVERIFY(c.waitForHead());
        f.service->eventLog()->record(testEvent(u"one"_s));
        QVERIFY(!c.waitFor("event").event.isEmpty());
        lastId = c.lastId();
        QVERIFY(!lastId.isEmpty());
    } // disconnected
    f.service->eventLog()->record(testEvent(u"two"_s));
    f.service->eventLog()->record(testEvent(u"three"_s));
    SseClient again(f.port, f.admin, lastId);
    // Exactly what it missed (the first stream's end is not an event).
    QCOMPARE(again.waitFor("event").data.value(u"detail"_s).toString(), u"two"_s);
    QCOMPARE(again.waitFor("event").data.value(u"detail"_s).toString(), u"three"_s);
    for (const Frame &fr : again.frames())
        QVERIFY(fr.event != "reset");

    SseClient stale(f.port, f.admin, "someotherrun-5");
    QVERIFY(!stale.waitFor("reset").event.isEmpty());
}

void tst_Stream::maxStreams()
{
    ServiceFixture f;
    QVERIFY(f.start());
    // 25 % of 4: one stream for an account that is not an admin.
    QCOMPARE(f.patch(f.admin, R"({"max_streams": 4})").status, 200);
    SseClient b(f.port, f.user);
    QVERIFY(b.waitForHead());
    QCOMPARE(b.status, 200);
    SseClient b2(f.port, f.user);
    QVERIFY(b2.waitForHead());
    QCOMPARE(b2.status, 429);
    QVERIFY(b2.head.contains("Retry-After: 5"));
    SseClient a(f.port, f.admin);
    SseClient a2(f.port, f.admin);
    SseClient a3(f.port, f.admin);
    QVERIFY(a.waitForHead());
    QVERIFY(a2.waitForHead());
    QVERIFY(a3.waitForHead());
    QCOMPARE(a3.status, 200); // the admins are not locked out by bob
    SseClient c(f.port, f.admin);
    QVERIFY(c.waitForHead());
    QCOMPARE(c.status, 503);
    QVERIFY(c.head.contains("Retry-After: 5"));
    QVERIFY(QTest::qWaitFor([&] {
        c.waitFor("nothing", 10);
        return c.raw().contains("max_streams");
    }));
}

void tst_Stream::stalledSubscriberHoldsABoundedBuffer()
{
    ServiceFixture f;
    QVERIFY(f.start());
    const config::Limits limits = f.service->limits();
    SseClient c(f.port, f.admin, {}, 4096);
    QVERIFY(c.waitForHead());
    QVERIFY(!c.waitFor("status").event.isEmpty());
    c.setPaused(true);
    // Far more than the hub holds (4 MiB) and the connection may buffer.
    const QString detail(2000, u'x');
    for (int burst = 0; burst < 30; ++burst) {
        for (int i = 0; i < 100; ++i)
            f.service->eventLog()->record(testEvent(detail));
        QTest::qWait(20);
    }
    QTest::qWait(500);
    auto scrape = f.send(get("/metrics", bearer(f.admin)));
    const Reply metrics = f.wait(scrape);
    QCOMPARE(metrics.status, 200);
    const qint64 peak = qint64(metricValue(metrics.body, "sluice_send_buffer_peak_bytes"));
    QVERIFY2(peak >= 0, metrics.body.left(200).constData());
    QVERIFY2(peak <= limits.responseHighWaterBytes + 64 * 1024,
             qPrintable(u"%1 bytes buffered for one stalled stream"_s.arg(peak)));
    // Reading again, it learns it missed some, then goes on.
    c.setPaused(false);
    const Frame reset = c.waitFor("reset", 10'000);
    if (reset.event.isEmpty()) {
        QByteArrayList seen;
        for (const Frame &fr : c.frames())
            seen.append(fr.event);
        qWarning() << seen.size() << seen.mid(0, 10) << seen.mid(seen.size() - 10) << c.ended;
    }
    QVERIFY(!reset.event.isEmpty());
    f.service->eventLog()->record(testEvent(u"after"_s));
    bool after = false;
    for (Frame e = c.waitFor("event"); !e.event.isEmpty() && !after; e = c.waitFor("event"))
        after = e.data.value(u"detail"_s).toString() == u"after"_s;
    QVERIFY(after);
}

void tst_Stream::stopEndsStreamsAtOnce()
{
    ServiceFixture f;
    QVERIFY(f.start());
    SseClient c(f.port, f.admin);
    QVERIFY(c.waitForHead());
    // And one whose client stopped reading with the server's window full.
    SseClient stalled(f.port, f.admin, {}, 4096);
    QVERIFY(stalled.waitForHead());
    stalled.setPaused(true);
    for (int i = 0; i < 500; ++i)
        f.service->eventLog()->record(testEvent(QString(2000, u'x')));
    QTest::qWait(500);
    QElapsedTimer timer;
    timer.start();
    f.service->stop();
    QVERIFY(c.waitForEnd(5000));
    QVERIFY(c.ended); // the reader got the last chunk: a clean end
    QVERIFY(QTest::qWaitFor(
        [&] { return f.service->status().state == service::ServiceState::Stopped; }, 5000));
    // Well within shutdown_grace_ms (10 s): the stream did not hold it.
    QVERIFY2(timer.elapsed() < 3000, qPrintable(QString::number(timer.elapsed())));
}

// A stream is authorised once, for as long as it lasts: when the account
// stops being an admin, its admin stream ends (the next request would be
// refused anyway).
void tst_Stream::demotedAdminLosesTheStream()
{
    ServiceFixture f;
    QVERIFY(f.start());
    auto cfg = config::Config::load(f.configPath());
    QVERIFY(cfg);
    const auto token = cfg->addToken(u"carol"_s, true);
    QVERIFY(token);
    QVERIFY(cfg->save(f.configPath()));
    QTRY_COMPARE(f.get("/admin/events", *token).status, 200);
    SseClient carol(f.port, *token);
    QVERIFY(!carol.waitFor("sample").event.isEmpty());
    for (config::Account &a : cfg->accounts) {
        if (a.name == u"carol"_s)
            a.admin = false;
    }
    QVERIFY(cfg->save(f.configPath()));
    QVERIFY(carol.waitForEnd(5000));
    QVERIFY(!carol.ended); // cut, not completed
    QCOMPARE(f.get("/admin/events", *token).status, 403);
    // Her account stays: a new stream is hers, without admin data.
    SseClient again(f.port, *token);
    QVERIFY(again.waitForHead());
    QCOMPARE(again.status, 200);
    QVERIFY(again.waitFor("sample", 1500).event.isEmpty());
}

QTEST_GUILESS_MAIN(tst_Stream)
#include "tst_stream.moc"
