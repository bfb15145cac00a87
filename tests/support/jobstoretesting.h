#pragma once

// Helpers for the job store tests (tests/unit/tst_jobstore*.cpp).

#include "jobs/sqlitejobstore.h"

#include <QSqlDatabase>
#include <QSqlQuery>
#include <QStringBuilder>
#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <memory>

namespace sluice::test {

// For QVERIFY2: the error of a failed result, or nothing.
template<typename T> QByteArray failureOf(const Expected<T> &result)
{
    return result ? QByteArray() : result.error().message.toUtf8();
}

// QCOMPARE cannot print a JobState: ADL finds jobs::toString(), which returns a
// QString, before QTest::toString(). Compare the names instead.
inline QString nameOf(std::optional<jobs::JobState> state)
{
    return state ? jobs::toString(*state) : QStringLiteral("none");
}

// The base of test time lines: UTC, with milliseconds that must survive.
inline QDateTime testEpoch()
{
    return QDateTime(QDate(2024, 2, 29), QTime(23, 59, 58, 123), Qt::UTC);
}

inline QDateTime atMinute(int minutes)
{
    return testEpoch().addSecs(60 * qint64(minutes));
}

// A readable job id of valid shape: the label padded to 22 characters.
inline QString labelledId(const QString &label)
{
    return label + QString(22 - label.size(), u'x');
}

inline jobs::JobRecord makeJob(const QString &id, jobs::JobState state = jobs::JobState::Queued,
                               const QDateTime &createdAt = testEpoch())
{
    jobs::JobRecord job;
    job.id = id;
    job.kind = QStringLiteral("export");
    job.owner = QStringLiteral("alice");
    job.ownerId = QStringLiteral("alice-id");
    job.state = state;
    job.createdAt = createdAt;
    job.queuedAt = createdAt;
    return job;
}

// A store in its own temporary directory.
class TemporaryStore
{
public:
    TemporaryStore() { reopen(); }

    QString path() const { return m_dir.filePath(QStringLiteral("jobs.sqlite")); }
    jobs::SqliteJobStore &operator*() const { return *m_store; }
    jobs::SqliteJobStore *operator->() const { return m_store.get(); }
    bool isOpen() const { return m_store != nullptr; }

    void close() { m_store.reset(); }
    void reopen()
    {
        m_store.reset();
        auto opened = jobs::SqliteJobStore::open(path());
        if (opened)
            m_store = std::move(*opened);
        else
            qWarning("cannot open the test job store: %s", qPrintable(opened.error().message));
    }

private:
    QTemporaryDir m_dir;
    std::unique_ptr<jobs::SqliteJobStore> m_store;
};

// A second, independent connection to a database file, to see what is on disk.
class RawDatabase
{
public:
    explicit RawDatabase(const QString &path)
        : m_name(QStringLiteral("test.raw.") % QString::number(nextId()++))
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_name);
        db.setDatabaseName(path);
        db.open();
    }
    ~RawDatabase()
    {
        {
            QSqlDatabase db = QSqlDatabase::database(m_name, false);
            db.close();
        }
        QSqlDatabase::removeDatabase(m_name);
    }
    Q_DISABLE_COPY_MOVE(RawDatabase)

    bool exec(const QString &sql) const
    {
        QSqlQuery query(QSqlDatabase::database(m_name, false));
        return query.exec(sql);
    }
    // The first column of the first row; an invalid QVariant on any error.
    QVariant value(const QString &sql) const
    {
        QSqlQuery query(QSqlDatabase::database(m_name, false));
        if (!query.exec(sql) || !query.next())
            return {};
        return query.value(0);
    }
    QStringList column(const QString &sql) const
    {
        QSqlQuery query(QSqlDatabase::database(m_name, false));
        QStringList values;
        if (query.exec(sql)) {
            while (query.next())
                values.append(query.value(0).toString());
        }
        return values;
    }

private:
    static std::atomic<int> &nextId()
    {
        static std::atomic<int> id = 0;
        return id;
    }

    QString m_name;
};

} // namespace sluice::test
