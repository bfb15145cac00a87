#include "transfersmodel.h"

#include "format.h"

using namespace Qt::StringLiterals;

namespace sluice::ui {

namespace {

bool sameExchange(const http::Transfer &a, const http::Transfer &b)
{
    return a.connectionId == b.connectionId && a.requestId == b.requestId;
}

QString progress(qint64 done, qint64 total)
{
    if (total > 0)
        return u"%1 / %2"_s.arg(formatBytes(double(done)), formatBytes(double(total)));
    return done > 0 ? formatBytes(double(done)) : QString();
}

} // namespace

TransfersModel::TransfersModel(QObject *parent)
    : QAbstractTableModel(parent)
{ }

int TransfersModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int TransfersModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant TransfersModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Client:
        return tr("Client");
    case Request:
        return tr("Request");
    case Account:
        return tr("Account");
    case Phase:
        return tr("Phase");
    case Received:
        return tr("Received");
    case Sent:
        return tr("Sent");
    case Rate:
        return tr("Rate");
    case Elapsed:
        return tr("Time");
    case Pauses:
        return tr("Pauses (read/write)");
    case Abort:
        return QString();
    }
    return {};
}

QVariant TransfersModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row &row = m_rows.at(index.row());
    const http::Transfer &t = row.transfer;
    if (role == ConnectionIdRole)
        return t.connectionId;
    if (role == Qt::ToolTipRole) {
        if (index.column() == Request)
            return tr("Route %1, request #%2 on connection %3")
                .arg(t.route)
                .arg(t.requestId)
                .arg(t.connectionId);
        if (index.column() == Abort)
            return tr("Close this connection; what it wrote so far is cleaned up");
        return {};
    }
    if (role == Qt::TextAlignmentRole && index.column() >= Received && index.column() <= Pauses)
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case Client:
        return t.client;
    case Request:
        return QString(t.method + u' ' + t.path);
    case Account:
        return t.account;
    case Phase:
        return http::toString(t.phase);
    case Received:
        return progress(t.bytesIn, t.totalIn);
    case Sent:
        return progress(t.bytesOut, t.totalOut);
    case Rate:
        return formatRate(row.rate);
    case Elapsed:
        return formatDuration(std::max<qint64>(0, m_nowMs - t.startedMs));
    case Pauses:
        return u"%1 / %2"_s.arg(t.readPauses).arg(t.writePauses);
    case Abort:
        return tr("Abort");
    }
    return {};
}

void TransfersModel::update(const QList<http::Transfer> &transfers, qint64 sampledMs, qint64 nowMs)
{
    m_nowMs = nowMs;
    // Gone rows first, bottom up.
    for (int r = int(m_rows.size()) - 1; r >= 0; --r) {
        const bool present = std::any_of(transfers.begin(), transfers.end(), [&](const auto &t) {
            return sameExchange(t, m_rows.at(r).transfer);
        });
        if (!present) {
            beginRemoveRows({}, r, r);
            m_rows.removeAt(r);
            endRemoveRows();
        }
    }
    QList<Row> added;
    for (const http::Transfer &t : transfers) {
        auto it = std::find_if(m_rows.begin(), m_rows.end(),
                               [&](const Row &row) { return sameExchange(row.transfer, t); });
        if (it == m_rows.end()) {
            added.append({t, 0, sampledMs});
            continue;
        }
        const qint64 dt = sampledMs - it->sampledMs;
        const qint64 bytes
            = (t.bytesIn + t.bytesOut) - (it->transfer.bytesIn + it->transfer.bytesOut);
        if (dt > 0)
            it->rate = double(std::max<qint64>(0, bytes)) * 1000.0 / double(dt);
        it->transfer = t;
        it->sampledMs = sampledMs;
    }
    if (!m_rows.isEmpty())
        emit dataChanged(index(0, 0), index(int(m_rows.size()) - 1, ColumnCount - 1));
    if (!added.isEmpty()) {
        const int first = int(m_rows.size());
        beginInsertRows({}, first, first + int(added.size()) - 1);
        m_rows.append(added);
        endInsertRows();
    }
}

} // namespace sluice::ui
