#pragma once

#include <QByteArray>
#include <QList>

#include <atomic>

QT_BEGIN_NAMESPACE
class QThread;
QT_END_NAMESPACE

namespace sluice::bench {

// HTTP clients that keep a running service busy on loopback, each a blocking
// loop on a thread of its own, until stop(): uploads through the real upload
// route, live exports and export jobs of the whole `orders` demo range, and
// back-to-back health checks. For benchmarks that measure something else
// (the GUI thread) while the service works.
class ServiceLoad final
{
public:
    struct Counters
    {
        std::atomic<qint64> uploadBytes {0}, uploadsStored {0};
        std::atomic<qint64> liveBytes {0}, liveDone {0}, liveRefused {0}; // refused or cut
        std::atomic<qint64> jobBytes {0}, jobsDone {0}, jobsRefused {0}; // refused or failed
        std::atomic<qint64> healthChecks {0};
    };

    // `token`: an account allowed to upload and export.
    ServiceLoad(quint16 port, QByteArray token);
    ~ServiceLoad(); // stop()
    Q_DISABLE_COPY_MOVE(ServiceLoad)

    // Each upload is 32 MiB of text (PUT /uploads/{name}) unless set otherwise
    // before start(). A live export reads
    // GET /exports/orders.csv as fast as it comes; an export job is submitted
    // (POST /exports), polled, its result downloaded, then deleted.
    void start(int uploaders, int liveExports, int exportJobs, int healthCheckers);
    // Ends every loop (a running export job is cancelled) and waits for them.
    void stop();
    void setUploadBytes(qint64 bytes) { m_uploadBytes = bytes; }
    const Counters &counters() const { return m_counters; }

private:
    void uploadLoop();
    void liveExportLoop();
    void exportJobLoop();
    void healthLoop();
    bool download(const QByteArray &target, std::atomic<qint64> &counter);

    quint16 m_port;
    QByteArray m_token;
    qint64 m_uploadBytes = 32LL * 1024 * 1024;
    std::atomic_bool m_stop {false};
    std::atomic_int m_uploadNumber {0};
    Counters m_counters;
    QList<QThread *> m_threads;
};

// The demo database is generated at the first export request; until it is
// ready, exports answer 503 with Retry-After. Asks every 250 ms (faster than
// the 10 s hint, so that a measurement starts as soon as it can) for up to
// `timeoutMs`, processing the caller's events meanwhile. The time to a 200,
// or -1 (the answer is printed to stderr).
qint64 waitForDemoDataset(quint16 port, const QByteArray &token, int timeoutMs = 300'000);

} // namespace sluice::bench
