#include "export/liveexport.h"

#include "export/exportcatalog.h"
#include "export/gzipencoder.h"
#include "export/rowreader.h"
#include "util/threadpriority.h"

#include <QMutex>
#include <QPointer>
#include <QRunnable>
#include <QWaitCondition>

#include <deque>

using namespace Qt::StringLiterals;

namespace sluice::exports {

// State shared by a live export's worker and its producer.
struct LivePipe
{
    QMutex mutex;
    QWaitCondition wake; // the worker waits here for go/stop and for a drained queue
    bool go = false; // producer -> worker: stream
    bool stop = false; // producer -> worker: end now
    std::deque<QByteArray> chunks; // worker -> producer, at most one batch
    qsizetype frontOffset = 0; // bytes of chunks.front() already taken
    bool finished = false; // the last chunk is queued
    QString error; // the worker could not complete
    bool countDelivered = false; // HTTP thread only
    bool streaming = false; // HTTP thread only
    qint64 stallTimeoutMs = 0;
    ExportStats *stats = nullptr;
    std::shared_ptr<QueryInterrupter> interrupter = std::make_shared<QueryInterrupter>();
    std::unique_ptr<LivePipeNotifier> notifier = std::make_unique<LivePipeNotifier>();

    void requestStop()
    {
        {
            QMutexLocker lock(&mutex);
            stop = true;
        }
        wake.wakeAll();
        interrupter->interrupt();
    }
};

namespace {

constexpr int LivePageCacheKiB = 128;

void runWorker(const std::shared_ptr<LivePipe> &pipe, const LiveExportSpec &spec,
               ExportStats *stats)
{
    runAsBulkWork();
    ++stats->liveInFlight;
    ++stats->liveStarted;
    const auto done = qScopeGuard([stats] { --stats->liveInFlight; });
    RowReader reader(spec.dataset, spec.databasePath, pipe->interrupter);
    // Each live export holds its connection as long as its client reads,
    // however slowly: with SQLite's default page cache (filled by the row
    // count) that was ~2 MiB each, 168 MiB for 64 slow readers, at no gain
    // for one forward pass (docs/benchmarks.md, "Slow downloaders").
    reader.setSqlitePageCacheKiB(LivePageCacheKiB);

    auto opened = reader.open();
    const Expected<qint64> count
        = opened ? reader.count(spec.query) : Expected<qint64>(opened.error());
    emit pipe->notifier->counted(count ? *count : 0, count ? QString() : count.error().message);
    if (!count)
        return;
    {
        QMutexLocker lock(&pipe->mutex);
        while (!pipe->go && !pipe->stop)
            pipe->wake.wait(&pipe->mutex);
        if (pipe->stop)
            return;
    }

    const auto finishWith = [&](const QString &error) {
        {
            QMutexLocker lock(&pipe->mutex);
            pipe->error = error;
            pipe->finished = true;
        }
        emit pipe->notifier->dataReady();
    };
    if (auto started = reader.start(spec.query); !started)
        return finishWith(started.error().message);

    CsvWriter csv(spec.dataset.neutralizeFormulas);
    csv.header(spec.dataset.columns);
    std::optional<GzipEncoder> gzip;
    if (spec.gzip)
        gzip.emplace();
    for (;;) {
        {
            QMutexLocker lock(&pipe->mutex);
            while (!pipe->chunks.empty() && !pipe->stop)
                pipe->wake.wait(&pipe->mutex);
            if (pipe->stop)
                return;
        }
        const auto rows = reader.readBatch(csv, spec.batchRows);
        if (!rows)
            return finishWith(rows.error().message);
        stats->rowsRead += quint64(*rows);
        QByteArray piece = csv.take();
        if (gzip) {
            piece = gzip->compress(piece);
            if (reader.atEnd())
                piece += gzip->finish();
        }
        {
            QMutexLocker lock(&pipe->mutex);
            if (!piece.isEmpty())
                pipe->chunks.push_back(std::move(piece));
            pipe->finished = reader.atEnd();
        }
        emit pipe->notifier->dataReady();
        if (reader.atEnd())
            return;
    }
}

} // namespace

Expected<void, http::HttpError> LiveExport::start(ExportCatalog &catalog, LiveExportSpec spec,
                                                  QObject *context, Counted counted)
{
    auto slot = catalog.takeLiveSlot(spec.account, spec.maxPerAccount);
    if (!slot)
        return http::HttpError::limitExceeded(
            429,
            u"account %1 already runs %2 live exports; try again shortly or submit a job "
            "(Prefer: respond-async)"_s.arg(spec.accountName)
                .arg(spec.maxPerAccount),
            u"max_live_exports_per_account"_s, spec.maxPerAccount);
    auto pipe = std::make_shared<LivePipe>();
    pipe->stallTimeoutMs = spec.stallTimeoutMs;
    pipe->stats = &catalog.stats();
    std::weak_ptr<LivePipe> weak = pipe;
    const auto deliver = [weak, counted](Expected<qint64> result) {
        const auto p = weak.lock();
        if (!p || p->countDelivered)
            return;
        p->countDelivered = true;
        counted(LiveExport(p), std::move(result));
    };
    QObject::connect(pipe->notifier.get(), &LivePipeNotifier::counted, context,
                     [deliver](qint64 rows, const QString &error) {
                         deliver(error.isEmpty() ? Expected<qint64>(rows)
                                                 : Expected<qint64>(Error {error}));
                     });
    QObject::connect(context, &QObject::destroyed, [weak] {
        if (const auto p = weak.lock(); p && !p->streaming)
            p->requestStop();
    });
    const qint64 stallMs = spec.stallTimeoutMs;
    QTimer::singleShot(std::chrono::milliseconds(stallMs), context, [weak, deliver, stallMs] {
        const auto p = weak.lock();
        if (!p || p->countDelivered)
            return;
        p->requestStop();
        deliver(Error {
            u"the database did not count the rows within export_stall_timeout_ms (%1 ms)"_s.arg(
                stallMs)});
    });

    ExportStats *stats = &catalog.stats();
    QRunnable *runnable
        = QRunnable::create([pipe, spec = std::move(spec), stats, slot = std::move(slot)] {
              runWorker(pipe, spec, stats);
          });
    if (!catalog.livePool()->tryStart(runnable)) {
        delete runnable;
        const int max = catalog.maxLiveExports();
        return http::HttpError::limitExceeded(
            503,
            u"%1 live exports are running, and max_live_exports is %2; try again shortly or "
            "submit a job (Prefer: respond-async)"_s.arg(catalog.stats().liveInFlight.load())
                .arg(max),
            u"max_live_exports"_s, max);
    }
    return {};
}

std::shared_ptr<http::ResponseProducer> LiveExport::stream() const
{
    m_pipe->streaming = true;
    // The producer is created before the worker may deliver data.
    return std::make_shared<LiveExportProducer>(m_pipe, m_pipe->stallTimeoutMs, m_pipe->stats);
}

void LiveExport::cancel() const
{
    m_pipe->requestStop();
}

LiveExportProducer::LiveExportProducer(std::shared_ptr<LivePipe> pipe, qint64 stallTimeoutMs,
                                       ExportStats *stats)
    : m_pipe(std::move(pipe))
    , m_stats(stats)
{
    m_stall.setSingleShot(true);
    if (stallTimeoutMs > 0)
        m_stall.setInterval(std::chrono::milliseconds(stallTimeoutMs));
    connect(&m_stall, &QTimer::timeout, this, &LiveExportProducer::onStall);
    connect(m_pipe->notifier.get(), &LivePipeNotifier::dataReady, this,
            &LiveExportProducer::onDataReady, Qt::QueuedConnection);
    QMutexLocker lock(&m_pipe->mutex);
    m_pipe->go = true;
    lock.unlock();
    m_pipe->wake.wakeAll();
}

LiveExportProducer::~LiveExportProducer()
{
    abort();
}

QByteArray LiveExportProducer::read(qint64 maxBytes)
{
    if (m_failed || m_stopped || maxBytes <= 0)
        return {};
    m_pulled = true;
    QMutexLocker lock(&m_pipe->mutex);
    if (m_pipe->chunks.empty()) {
        if (!m_pipe->finished && m_stall.interval() > 0 && !m_stall.isActive())
            m_stall.start(); // waiting for the database now
        return {};
    }
    QByteArray &front = m_pipe->chunks.front();
    const qsizetype left = front.size() - m_pipe->frontOffset;
    QByteArray piece;
    if (m_pipe->frontOffset == 0 && left <= maxBytes) {
        piece = std::move(front);
    } else {
        const qsizetype n = std::min<qsizetype>(left, maxBytes);
        piece = front.mid(m_pipe->frontOffset, n);
        m_pipe->frontOffset += n;
        if (m_pipe->frontOffset < front.size())
            return piece;
    }
    m_pipe->chunks.pop_front();
    m_pipe->frontOffset = 0;
    const bool drained = m_pipe->chunks.empty();
    lock.unlock();
    if (drained)
        m_pipe->wake.wakeAll(); // the worker may read the next batch
    return piece;
}

bool LiveExportProducer::atEnd() const
{
    QMutexLocker lock(&m_pipe->mutex);
    return m_pipe->finished && m_pipe->chunks.empty() && m_pipe->error.isEmpty();
}

void LiveExportProducer::abort()
{
    if (m_stopped)
        return;
    m_stopped = true;
    m_stall.stop();
    bool complete;
    {
        QMutexLocker lock(&m_pipe->mutex);
        complete = m_pipe->finished && m_pipe->chunks.empty();
    }
    // A HEAD request never pulls: not a client that left mid-way.
    if (!complete && !m_failed && m_pulled && m_stats)
        ++m_stats->disconnects;
    m_pipe->requestStop();
}

void LiveExportProducer::onDataReady()
{
    if (m_failed || m_stopped)
        return;
    m_stall.stop();
    QString error;
    {
        QMutexLocker lock(&m_pipe->mutex);
        error = m_pipe->error;
    }
    if (!error.isEmpty()) {
        m_failed = true;
        m_pipe->requestStop();
        emit failed(error);
        return;
    }
    emit readyRead();
}

void LiveExportProducer::onStall()
{
    if (m_failed || m_stopped)
        return;
    m_failed = true;
    if (m_stats)
        ++m_stats->stalls;
    m_pipe->requestStop();
    emit failed(u"the database delivered no rows within export_stall_timeout_ms (%1 ms)"_s.arg(
        m_stall.interval()));
}

} // namespace sluice::exports
