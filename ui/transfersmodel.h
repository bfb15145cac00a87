#pragma once

#include "http/transfer.h"

#include <QAbstractTableModel>
#include <QDateTime>

namespace sluice::ui {

// Requests in flight, from the service's once-a-second snapshots. Rows keep
// their place across snapshots (so selection survives), rates come from the
// difference between two snapshots over the interval between the times the
// service took them (never their arrival: issue 23, defect 4).
class TransfersModel final : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column {
        Client,
        Request,
        Account,
        Phase,
        Received,
        Sent,
        Rate,
        Elapsed,
        Pauses,
        Abort,
        ColumnCount
    };
    enum Role { ConnectionIdRole = Qt::UserRole + 1 };

    explicit TransfersModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    // `sampledMs`: when the service took the list, on its monotonic clock;
    // `nowMs`: the wall clock, for the time since each request started.
    void update(const QList<http::Transfer> &transfers, qint64 sampledMs, qint64 nowMs);
    const http::Transfer &transfer(int row) const { return m_rows.at(row).transfer; }

private:
    struct Row
    {
        http::Transfer transfer;
        double rate = 0; // bytes/s, in and out together
        qint64 sampledMs = 0; // of `transfer`, monotonic
    };
    QList<Row> m_rows;
    qint64 m_nowMs = 0;
};

} // namespace sluice::ui
