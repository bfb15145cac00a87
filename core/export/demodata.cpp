#include "export/demodata.h"

#include "util/durablefile.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <sqlite3.h>

#include <cstdio>
#include <memory>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace sluice::exports {

namespace {

// splitmix64: small, fast, and the same sequence everywhere.
struct Random
{
    quint64 state;
    quint64 next()
    {
        quint64 z = (state += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    int below(int n) { return int(next() % quint64(n)); }
};

// Howard Hinnant's civil_from_days: days since 1970-01-01 to y-m-d.
void civilFromDays(qint64 z, int &y, unsigned &m, unsigned &d)
{
    z += 719468;
    const qint64 era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = unsigned(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const qint64 yy = qint64(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    y = int(yy + (m <= 2));
}

constexpr const char *kFirstNames[]
    = {"Anna",  "Bruno",  "Chloé", "Dmitri", "Eva",   "Farid",  "Greta", "Hugo",
       "Ines",  "Jürgen", "Kenji", "Lena",   "Mateo", "Nora",   "Oskar", "Priya",
       "Quinn", "Rosa",   "Sven",  "Tomás",  "Uma",   "Viktor", "Wen",   "Zoë"};
constexpr const char *kLastNames[]
    = {"Müller", "O'Brien", "Smith",    "Dubois", "Rossi", "Nowak",  "García",
       "Tanaka", "Jensen",  "Kowalski", "Silva",  "Novák", "Okafor", "Lindqvist"};
constexpr const char *kStatuses[]
    = {"pending", "paid", "paid", "paid", "shipped", "shipped", "refunded", "cancelled"};
constexpr const char *kCurrencies[] = {"EUR", "EUR", "USD", "GBP", "CHF"};
constexpr const char *kNotes[] = {
    "",
    "",
    "",
    "leave at the door",
    "gift, please wrap",
    "customer said \"urgent\"",
    "deliver after 18:00\nring twice",
    "=HYPERLINK(\"http://example.invalid\",\"click\")",
    "-10% loyalty discount",
    "@support follow-up",
    "Grüße, and thanks",
    "+ express shipping",
};

constexpr qint64 kStartEpoch = 1735689600; // 2025-01-01T00:00:00Z
constexpr qint64 kSpanSeconds = 546LL * 86400; // through 2026-06-30

struct Db
{
    sqlite3 *db = nullptr;
    ~Db() { sqlite3_close_v2(db); }
    Error error(const char *what) const
    {
        return Error {u"demo database: %1: %2"_s.arg(QLatin1StringView(what),
                                                     QString::fromUtf8(sqlite3_errmsg(db)))};
    }
    bool exec(const char *sql)
    {
        return sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK;
    }
};

Expected<void> writeDatabase(const QString &path, qint64 rows, const std::atomic_bool *stop)
{
    Db d;
    if (sqlite3_open_v2(QFile::encodeName(path).constData(), &d.db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr)
        != SQLITE_OK)
        return d.error("open");
    // A throwaway file until the rename: no journal, no syncs until the end.
    if (!d.exec("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-65536;")
        || !d.exec("CREATE TABLE orders (id INTEGER PRIMARY KEY, created_at TEXT NOT NULL, "
                   "customer TEXT NOT NULL, status TEXT NOT NULL, amount REAL NOT NULL, "
                   "currency TEXT NOT NULL, note TEXT)")
        || !d.exec("BEGIN"))
        return d.error("create");
    sqlite3_stmt *raw = nullptr;
    if (sqlite3_prepare_v2(d.db, "INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?, ?)", -1, &raw,
                           nullptr)
        != SQLITE_OK)
        return d.error("prepare");
    std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt *)> stmt(raw, sqlite3_finalize);
    Random random {20250101};
    char created[32];
    char customer[64];
    for (qint64 i = 0; i < rows; ++i) {
        if (stop && (i & 0xffff) == 0 && stop->load())
            return Error {u"demo database: generation stopped"_s};
        // Evenly spread, increasing with id, so created_at order is id order.
        const qint64 t = kStartEpoch + (rows > 1 ? i * (kSpanSeconds - 1) / (rows - 1) : 0);
        int y;
        unsigned mo, dd;
        civilFromDays(t / 86400, y, mo, dd);
        const qint64 s = t % 86400;
        std::snprintf(created, sizeof created, "%04d-%02u-%02u %02d:%02d:%02d", y, mo, dd,
                      int(s / 3600), int(s / 60 % 60), int(s % 60));
        const int customerNo = random.below(5000);
        std::snprintf(customer, sizeof customer, "%s %s %04d",
                      kFirstNames[customerNo % std::size(kFirstNames)],
                      kLastNames[customerNo % std::size(kLastNames)], customerNo);
        const char *status = kStatuses[random.below(int(std::size(kStatuses)))];
        qint64 cents = 100 + qint64(random.next() % 50'000);
        if (qstrcmp(status, "refunded") == 0)
            cents = -cents;
        const char *note = kNotes[random.below(int(std::size(kNotes)))];
        sqlite3_bind_int64(stmt.get(), 1, i + 1);
        sqlite3_bind_text(stmt.get(), 2, created, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt.get(), 3, customer, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt.get(), 4, status, -1, SQLITE_STATIC);
        sqlite3_bind_double(stmt.get(), 5, double(cents) / 100.0);
        sqlite3_bind_text(stmt.get(), 6, kCurrencies[random.below(int(std::size(kCurrencies)))], -1,
                          SQLITE_STATIC);
        if (*note)
            sqlite3_bind_text(stmt.get(), 7, note, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(stmt.get(), 7);
        if (sqlite3_step(stmt.get()) != SQLITE_DONE)
            return d.error("insert");
        sqlite3_reset(stmt.get());
    }
    stmt.reset();
    if (!d.exec("COMMIT") || !d.exec("CREATE INDEX orders_created_at ON orders (created_at)")
        || !d.exec("ANALYZE"))
        return d.error("finish");
    return {};
}

} // namespace

Expected<void> generateDemoOrders(const QString &path, qint64 rows, const std::atomic_bool *stop)
{
    const QFileInfo info(path);
    if (!QDir().mkpath(info.absolutePath()))
        return Error {u"demo database: cannot create %1"_s.arg(info.absolutePath())};
    const QString temp = path + u".generating"_s;
    QFile::remove(temp);
    auto written = writeDatabase(temp, rows, stop);
    if (written) {
        // Durable before it is visible under its real name.
        QFile file(temp);
        if (!file.open(QIODevice::ReadWrite) || ::fdatasync(file.handle()) != 0)
            written = Error {u"demo database: cannot sync %1"_s.arg(temp)};
    }
    if (written
        && ::rename(QFile::encodeName(temp).constData(), QFile::encodeName(path).constData()) != 0)
        written = Error {u"demo database: cannot rename %1 to %2"_s.arg(temp, path)};
    if (written)
        written = fsyncDirectory(info.absolutePath());
    if (!written)
        QFile::remove(temp);
    return written;
}

} // namespace sluice::exports
