#include "export/queryinterrupter.h"

#include <QLoggingCategory>

#include <libpq-fe.h>
#include <sqlite3.h>

#include <atomic>
#include <system_error>
#include <thread>

Q_DECLARE_LOGGING_CATEGORY(lcExport)

namespace sluice::exports {

namespace {

std::atomic<int> g_pendingCancels {0};

// Runs PQcancel on a detached thread: neither the caller nor shutdown waits
// for it, so a cancel connection that never answers costs one parked thread
// (and its socket) instead of a frozen HTTP thread or a hung exit. The
// thread holds its own reference to the PGcancel, which stays valid however
// long it takes (PGcancel is a copy of the address, backend PID and key, not
// tied to the connection). Bounded: past MaxPendingCancels parked threads a
// cancel is dropped, which leaves the statement to end by itself, as it
// would without any cancel.
void sendCancel(std::shared_ptr<pg_cancel> cancel)
{
    if (g_pendingCancels.fetch_add(1) >= QueryInterrupter::MaxPendingCancels) {
        --g_pendingCancels;
        qCWarning(lcExport) << "not cancelling a PostgreSQL statement:"
                            << QueryInterrupter::MaxPendingCancels
                            << "earlier cancel requests have had no answer from the server";
        return;
    }
    try {
        std::thread([cancel = std::move(cancel)] {
            char error[256] = {};
            if (!PQcancel(cancel.get(), error, sizeof error))
                qCWarning(lcExport) << "cancelling a PostgreSQL statement failed:" << error;
            --g_pendingCancels;
        }).detach();
    } catch (const std::system_error &e) {
        --g_pendingCancels;
        qCWarning(lcExport) << "cannot start a thread to cancel a PostgreSQL statement:"
                            << e.what();
    }
}

} // namespace

QueryInterrupter::~QueryInterrupter()
{
    detach();
}

int QueryInterrupter::pendingCancels()
{
    return g_pendingCancels.load();
}

void QueryInterrupter::interrupt()
{
    std::shared_ptr<pg_cancel> cancel;
    {
        QMutexLocker lock(&m_mutex);
        m_interrupted = true;
        // Under the mutex so that detach() cannot close the handle meanwhile;
        // sqlite3_interrupt() only sets a flag, and is safe from any thread.
        if (m_sqlite)
            sqlite3_interrupt(m_sqlite);
        // One cancel per statement: a second one to a server that did not
        // answer the first would only park another thread.
        if (m_pgCancel && !m_pgCancelSent) {
            m_pgCancelSent = true;
            cancel = m_pgCancel;
        }
    }
    if (cancel)
        sendCancel(std::move(cancel));
}

bool QueryInterrupter::isInterrupted() const
{
    QMutexLocker lock(&m_mutex);
    return m_interrupted;
}

void QueryInterrupter::attachSqlite(sqlite3 *db)
{
    QMutexLocker lock(&m_mutex);
    m_sqlite = db;
    if (m_interrupted)
        sqlite3_interrupt(db);
}

void QueryInterrupter::attachPostgres(pg_cancel *cancel)
{
    std::shared_ptr<pg_cancel> owned(cancel, [](pg_cancel *c) { PQfreeCancel(c); });
    QMutexLocker lock(&m_mutex);
    m_pgCancel = std::move(owned);
    m_pgCancelSent = false;
}

void QueryInterrupter::detach()
{
    std::shared_ptr<pg_cancel> released;
    QMutexLocker lock(&m_mutex);
    m_sqlite = nullptr;
    released = std::move(m_pgCancel); // freed here unless a cancel thread still holds it
    lock.unlock();
}

} // namespace sluice::exports
