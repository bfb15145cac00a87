#pragma once

#include "jobs/job.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QSortFilterProxyModel>

namespace sluice::ui {

// The jobs as last reported by the service: one row per job, in arrival order
// (the view sorts). Changes come in batches and are applied as a few ranged
// signals, so that 10,000 rows and a progress tick per second stay cheap.
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

    void reset(const QList<jobs::JobRecord> &jobs);
    void apply(const QList<jobs::JobRecord> &changed, const QStringList &removed);
    const jobs::JobRecord *job(int row) const;
    const jobs::JobRecord *find(const QString &id) const;
    int rowOf(const QString &id) const { return m_rows.value(id, -1); }
    QStringList kinds() const; // distinct, sorted
    QStringList owners() const;
    // "Now" for ages and runtimes; the view refreshes them by repainting.
    void setNowForTesting(const QDateTime &now) { m_now = now; }

    static QColor stateColor(jobs::JobState state);

private:
    QDateTime now() const;
    QVariant display(const jobs::JobRecord &job, int column) const;
    QVariant sortValue(const jobs::JobRecord &job, int column) const;
    void reindexFrom(int row);

    QList<jobs::JobRecord> m_jobs;
    QHash<QString, int> m_rows; // id -> row
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
