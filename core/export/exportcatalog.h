#pragma once

#include "config/dataset.h"
#include "util/expected.h"

#include <QDate>
#include <QHash>
#include <QMutex>
#include <QSet>
#include <QThreadPool>

#include <atomic>
#include <functional>
#include <memory>
#include <thread>

namespace sluice::exports {

// Counters of the export paths, readable from any thread (the sampler's).
struct ExportStats
{
    std::atomic_int liveInFlight {0}; // live exports holding a query
    std::atomic<quint64> liveStarted {0};
    std::atomic<quint64> rowsRead {0}; // rows read from databases, live and jobs
    std::atomic<quint64> stalls {0}; // live exports ended by export_stall_timeout_ms
    std::atomic<quint64> disconnects {0}; // live exports stopped because the client left
};

// The configured datasets, where their databases are, whether a generated
// demo database is ready, the threads that run live export queries, and the
// counters. Thread-safe; shared by the HTTP routes and the export job kind.
class ExportCatalog final
{
public:
    ExportCatalog(QList<config::Dataset> datasets, QString dataDir);
    ~ExportCatalog(); // stops a generation in progress and waits for the live threads
    Q_DISABLE_COPY_MOVE(ExportCatalog)

    std::optional<config::Dataset> dataset(const QString &name) const;
    QStringList names() const;
    // QSQLITE: the file (relative paths from the data dir); QPSQL: the database name.
    QString databasePath(const config::Dataset &dataset) const;

    enum class Readiness { Ready, Generating, Failed };
    // Generated demo datasets are Generating until their file exists.
    Readiness readiness(const QString &name, QString *why = nullptr) const;
    // Generates, on a thread of its own (at a lower priority), every demo
    // database whose file is missing. Returns at once; idempotent.
    void startGeneration();
    // Stops a generation in progress (its temp file is removed) and waits.
    void stopGeneration();
    // Starts the generation if needed and waits for it to end (tests, tools).
    void waitForGeneration();

    ExportStats &stats() { return m_stats; }
    QThreadPool *livePool() { return &m_livePool; }
    // At most this many live exports hold a query at once (max_live_exports);
    // more get 503. Lowering it lets those running finish.
    void setMaxLiveExports(int count) { m_livePool.setMaxThreadCount(count); }
    int maxLiveExports() const { return m_livePool.maxThreadCount(); }
    // A live export's place among its account's (max_live_exports_per_account),
    // free again when the last copy goes; null when the account has
    // `perAccount` already. Keep it no longer than the catalog.
    std::shared_ptr<const void> takeLiveSlot(const QString &account, qint64 perAccount);
    int liveExportsOf(const QString &account) const;

    // The first and last day of a dataset's rows as last read (GET /exports),
    // so that asking again costs no query: at most one reading per dataset
    // runs at once, and a reading younger than DayRangeMaxAgeMs is reused.
    struct DayRange
    {
        QDate first;
        QDate last;
    };
    static constexpr qint64 DayRangeMaxAgeMs = 5 * 60'000;
    enum class DayRangeTurn { Cached, Read, Wait };
    // Cached: *range is fresh. Read: the caller reads it now and calls
    // storeDayRange (even with nothing). Wait: another reading is running;
    // *range is the last one known, possibly empty.
    DayRangeTurn dayRangeTurn(const QString &name, DayRange *range);
    void storeDayRange(const QString &name, const std::optional<DayRange> &range);

private:
    QList<config::Dataset> m_datasets;
    QString m_dataDir;
    mutable QMutex m_mutex;
    QHash<QString, QString> m_generationErrors; // dataset -> why it failed
    QSet<QString> m_generating;
    QHash<QString, int> m_liveByAccount; // guarded by m_mutex
    struct KnownDayRange
    {
        DayRange range;
        qint64 readAtMs = 0; // steady clock; 0: never read
        bool reading = false;
    };
    QHash<QString, KnownDayRange> m_dayRanges; // guarded by m_mutex
    std::atomic_bool m_stopGeneration {false};
    std::thread m_generator;
    ExportStats m_stats;
    QThreadPool m_livePool;
};

} // namespace sluice::exports
