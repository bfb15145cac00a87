// sluiced under systemd (issue 22, Type=notify): it reports READY=1 with its
// address once it listens, pings the watchdog while WATCHDOG_USEC asks for
// it, and reports STOPPING=1 when told to stop. The test plays systemd's
// part: a datagram socket named by NOTIFY_SOCKET, as sd_notify(3) describes.
#include "daemon.h"
#include "testsupport.h"

#include <QDeadlineTimer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <cstring>
#include <functional>

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

using namespace sluice;
using namespace sluice::test;
using namespace Qt::StringLiterals;

namespace {

// What systemd would hear on NOTIFY_SOCKET.
class NotifySocket
{
public:
    explicit NotifySocket(const QString &path)
        : m_fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0))
    {
        sockaddr_un address {};
        address.sun_family = AF_UNIX;
        const QByteArray name = path.toLocal8Bit();
        std::memcpy(address.sun_path, name.constData(),
                    std::min(size_t(name.size()), sizeof(address.sun_path) - 1));
        m_bound = ::bind(m_fd, reinterpret_cast<sockaddr *>(&address), sizeof(address)) == 0;
    }
    ~NotifySocket() { ::close(m_fd); }
    bool isBound() const { return m_bound; }

    // Messages received within `ms` until one satisfies `done`.
    QList<QByteArray> until(const std::function<bool(const QByteArray &)> &done, int ms)
    {
        QList<QByteArray> got;
        QDeadlineTimer deadline(ms);
        while (!deadline.hasExpired()) {
            pollfd p {m_fd, POLLIN, 0};
            if (::poll(&p, 1, int(std::min<qint64>(50, deadline.remainingTime()))) <= 0)
                continue;
            char buffer[4096];
            const ssize_t n = ::recv(m_fd, buffer, sizeof(buffer), 0);
            if (n <= 0)
                continue;
            got.append(QByteArray(buffer, n));
            if (done(got.last()))
                break;
        }
        return got;
    }

private:
    int m_fd;
    bool m_bound = false;
};

} // namespace

class tst_SdNotify : public QObject
{
    Q_OBJECT
private slots:
    void readyWatchdogAndStopping();
    void failedStartSaysWhy();
    void readyOverHttpsSaysHttps();
};

void tst_SdNotify::readyWatchdogAndStopping()
{
    QTemporaryDir dir;
    const QString socketPath = dir.filePath(u"notify"_s);
    NotifySocket systemd(socketPath);
    QVERIFY(systemd.isBound());
    const QString dataDir = dir.filePath(u"data"_s);
    writeDaemonConfig(dataDir);
    qputenv("NOTIFY_SOCKET", socketPath.toLocal8Bit());
    qputenv("WATCHDOG_USEC", "200000"); // 0.2 s: a ping every 0.1 s
    Daemon d;
    const bool started = d.start(dataDir);
    qunsetenv("NOTIFY_SOCKET");
    qunsetenv("WATCHDOG_USEC");
    QVERIFY2(started, d.output.constData());

    const QList<QByteArray> first
        = systemd.until([](const QByteArray &m) { return m.contains("READY=1"); }, 10'000);
    QVERIFY2(!first.isEmpty() && first.last().contains("READY=1"),
             QByteArrayList(first).join(" | ").constData());
    // Ready means listening, with the address it listens on.
    const QByteArray status = "STATUS=listening on http://127.0.0.1:" + QByteArray::number(d.port);
    QVERIFY2(first.last().contains(status), first.last().constData());
    QTcpSocket probe;
    probe.connectToHost(QHostAddress::LocalHost, d.port);
    QVERIFY(probe.waitForConnected(5000));

    int pings = 0;
    systemd.until(
        [&](const QByteArray &m) {
            pings += m.contains("WATCHDOG=1") ? 1 : 0;
            return pings >= 3;
        },
        5000);
    QVERIFY2(pings >= 3, qPrintable(QString::number(pings)));

    d.process.terminate(); // SIGTERM, as systemctl stop sends
    const QList<QByteArray> last
        = systemd.until([](const QByteArray &m) { return m.contains("STOPPING=1"); }, 10'000);
    QVERIFY2(!last.isEmpty() && last.last().contains("STOPPING=1"),
             QByteArrayList(last).join(" | ").constData());
    QVERIFY(d.process.waitForFinished(15'000));
    QCOMPARE(d.process.exitCode(), 0);
}

// A start that fails (the port is taken) says why on NOTIFY_SOCKET, for
// `systemctl status`, and never READY=1.
void tst_SdNotify::failedStartSaysWhy()
{
    QTemporaryDir dir;
    const QString socketPath = dir.filePath(u"notify"_s);
    NotifySocket systemd(socketPath);
    QVERIFY(systemd.isBound());
    QTcpServer occupier;
    QVERIFY(occupier.listen(QHostAddress::LocalHost, 0));
    const QString dataDir = dir.filePath(u"data"_s);
    writeDaemonConfig(dataDir);
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(u"NOTIFY_SOCKET"_s, socketPath);
    p.setProcessEnvironment(env);
    p.start(
        sluicedPath(),
        {u"--data-dir"_s, dataDir, u"--listen"_s, u"127.0.0.1:%1"_s.arg(occupier.serverPort())});
    QVERIFY(p.waitForFinished(30'000));
    QCOMPARE(p.exitCode(), 1);
    const QList<QByteArray> heard
        = systemd.until([](const QByteArray &m) { return m.contains("STATUS=failed"); }, 5'000);
    const QByteArray all = QByteArrayList(heard).join(" | ");
    QVERIFY2(all.contains("STATUS=failed: ")
                 && all.contains(QByteArray::number(occupier.serverPort())),
             all.constData());
    QVERIFY2(!all.contains("READY=1"), all.constData());
}

// The address in STATUS= is the one to use: https:// when it listens over TLS.
void tst_SdNotify::readyOverHttpsSaysHttps()
{
    QTemporaryDir dir;
    const QString socketPath = dir.filePath(u"notify"_s);
    NotifySocket systemd(socketPath);
    QVERIFY(systemd.isBound());
    const QString dataDir = dir.filePath(u"data"_s);
    writeDaemonConfig(dataDir);
    QCOMPARE(runSluiced({u"--data-dir"_s, dataDir, u"tls"_s, u"self-signed"_s}).exitCode, 0);
    qputenv("NOTIFY_SOCKET", socketPath.toLocal8Bit());
    Daemon d;
    const bool started = d.start(dataDir, {u"--listen"_s, u"https://127.0.0.1:0"_s});
    qunsetenv("NOTIFY_SOCKET");
    QVERIFY2(started, d.output.constData());
    const QList<QByteArray> first
        = systemd.until([](const QByteArray &m) { return m.contains("READY=1"); }, 10'000);
    QVERIFY(!first.isEmpty());
    const QByteArray status = "STATUS=listening on https://127.0.0.1:" + QByteArray::number(d.port);
    QVERIFY2(first.last().contains(status), first.last().constData());
}

QTEST_GUILESS_MAIN(tst_SdNotify)
#include "tst_sdnotify.moc"
