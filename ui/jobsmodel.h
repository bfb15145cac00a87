#pragma once

#include "jobs/job.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QSortFilterProxyModel>

namespace sluice::ui {

// The newest jobs as last reported by the service: one row per job, oldest
// first (the view sorts). Changes come in batches and are applied as a few
// ranged signals, so that 10,000 rows and a progress tick per second stay
// cheap. The rows are a bounded window: once maxRows() are there, each new
// job drops the oldest row (issue 23, defect 1), and the kind and owner lists
// are kept as counts, so no change walks every row.
class JobsModel final : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column {
        Kind,
        Owner,
        State,
        Progress,
        Rows,
        Bytes,
        Age,
        Runtime,
        Attempts,
        LastError,
        Expires,
        Id,
        ColumnCount
    };
    enum Role {
        SortRole = Qt::UserRole + 1, // raw value for sorting
        JobIdRole,
        StateRole, // state name
        ProgressRole, // 0..1, or -1 when unknown
    };

    explicit JobsModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    // What one apply() did, for the page's count of all stored jobs.
    struct Applied
    {
        int added = 0; // new rows
        int removed = 0; // rows of removed jobs
        int dropped = 0; // oldest rows that left the window for new ones
    };

    static constexpr int DefaultMaxRows = 20'000;
    int maxRows() const { return m_maxRows; }
    // Drops the oldest rows at once when there are more.
    void setMaxRows(int maxRows);

    // Takes the newest maxRows() of `jobs`, in any order.
    void reset(const QList<jobs::JobRecord> &jobs);
    Applied apply(const QList<jobs::JobRecord> &changed, const QStringList &removed);
    const jobs::JobRecord *job(int row) const;
    const jobs::JobRecord *find(const QString &id) const;
    int rowOf(const QString &id) const;
    QStringList kinds() const; // distinct, sorted
    QStringList owners() const;
    // "Now" for ages and runtimes; the view refreshes them by repainting.
    void setNowForTesting(const QDateTime &now) { m_now = now; }

    static QColor stateColor(jobs::JobState state);
    // The state in the window's language ("queued" in English, the API's word).
    static QString stateText(jobs::JobState state);

signals:
    // A kind or an owner appeared or left: kinds() or owners() changed.
    void choicesChanged();

private:
    QDateTime now() const;
    QVariant display(const jobs::JobRecord &job, int column) const;
    QVariant sortValue(const jobs::JobRecord &job, int column) const;
    void reindexFrom(int row);
    void dropOldest(int count);
    void count(const jobs::JobRecord &job, int delta);

    QList<jobs::JobRecord> m_jobs;
    // id -> row + m_firstRow: dropping the oldest rows moves m_firstRow
    // instead of renumbering every row after them.
    QHash<QString, qint64> m_rows;
    qint64 m_firstRow = 0;
    QHash<QString, int> m_kindCounts; // kind -> rows
    QHash<QString, int> m_ownerCounts;
    bool m_choicesChanged = false;
    int m_maxRows = DefaultMaxRows;
    QDateTime m_now; // invalid: the clock
};

// Filters by state, kind, owner and free text (id, kind, owner, error).
class JobsFilterModel final : public QSortFilterProxyModel
{
    Q_OBJECT
public:
    using QSortFilterProxyModel::QSortFilterProxyModel;
    void setStateFilter(const QString &state); // empty: any
    void setKindFilter(const QString &kind);
    void setOwnerFilter(const QString &owner);
    void setSearchText(const QString &text);

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    QString m_state, m_kind, m_owner, m_search;
};

} // namespace sluice::ui
