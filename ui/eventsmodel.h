#pragma once

#include "metrics/eventlog.h"

#include <QAbstractTableModel>
#include <QSortFilterProxyModel>

namespace sluice::ui {

// The latest events, oldest first, bounded: the oldest rows go when the
// capacity is reached. Appends arrive in batches (see EventsPage).
class EventsModel final : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { Time, Kind, Detail, Job, Account, Peer, Request, ColumnCount };
    static constexpr int DefaultCapacity = 5'000;

    explicit EventsModel(int capacity = DefaultCapacity, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    // A limits_changed detail with its values in units ("16 KiB -> 2 KiB").
    static QString withUnits(const QString &detail);
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    void reset(const QList<metrics::Event> &events);
    void append(const QList<metrics::Event> &events);
    QStringList kinds() const;

private:
    QList<metrics::Event> m_events;
    int m_capacity;
};

class EventsFilterModel final : public QSortFilterProxyModel
{
    Q_OBJECT
public:
    using QSortFilterProxyModel::QSortFilterProxyModel;
    void setKind(const QString &kind);
    void setSearchText(const QString &text);

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    QString m_kind;
    QString m_search;
};

} // namespace sluice::ui
