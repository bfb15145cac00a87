#pragma once

#include <QMutex>

#include <memory>

struct sqlite3;
struct pg_cancel;

namespace sluice::exports {

// Lets another thread stop a statement that is running on a reader's
// thread: sqlite3_interrupt() for SQLite, PQcancel() for PostgreSQL. Shared
// between the reader and whoever may need to stop it (a live export's
// producer, an export job's stop request); once the reader is gone it does
// nothing.
//
// interrupt() never blocks its caller, which is often the HTTP thread or the
// job engine's: PQcancel() opens a new connection to the server with no
// timeout at all (libpq 15 has no PQcancelCreate), so a server or proxy that
// accepts it and never answers would hold the caller for as long as TCP
// lets it. The cancel runs on a thread of its own that nobody waits for.
class QueryInterrupter final
{
public:
    QueryInterrupter() = default;
    ~QueryInterrupter();
    Q_DISABLE_COPY_MOVE(QueryInterrupter)

    // Thread-safe, returns at once; sticky: a later attach is interrupted at
    // once (SQLite) and readers check isInterrupted() before each batch.
    void interrupt();
    bool isInterrupted() const;

    // PostgreSQL cancel requests sent and not answered yet, in this process
    // (tests; at most MaxPendingCancels, further ones are dropped and logged).
    static int pendingCancels();
    static constexpr int MaxPendingCancels = 16;

private:
    friend class RowReader;
    void attachSqlite(sqlite3 *db);
    void attachPostgres(pg_cancel *cancel); // takes ownership
    void detach();

    mutable QMutex m_mutex;
    sqlite3 *m_sqlite = nullptr;
    // Shared with a cancel thread that may outlive the reader and this
    // object: whichever lets go last frees it (PQfreeCancel).
    std::shared_ptr<pg_cancel> m_pgCancel;
    bool m_pgCancelSent = false;
    bool m_interrupted = false;
};

} // namespace sluice::exports
