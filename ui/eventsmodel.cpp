#include "eventsmodel.h"

#include "limitlabels.h"
#include "palette.h"

#include "config/limits.h"

#include <QColor>
#include <QFont>
#include <QRegularExpression>
#include <QSet>

using namespace Qt::StringLiterals;

namespace sluice::ui {

EventsModel::EventsModel(int capacity, QObject *parent)
    : QAbstractTableModel(parent)
    , m_capacity(std::max(1, capacity))
{ }

int EventsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_events.size());
}

int EventsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant EventsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Time:
        return tr("Time");
    case Kind:
        return tr("Kind");
    case Detail:
        return tr("Detail");
    case Job:
        return tr("Job");
    case Account:
        return tr("Account");
    case Peer:
        return tr("Client");
    case Request:
        return tr("Request");
    }
    return {};
}

// "max_header_bytes 16384 -> 2048" as the window shows limits elsewhere:
// "max_header_bytes 16 KiB -> 2 KiB" (the tooltip keeps the raw text).
QString EventsModel::withUnits(const QString &detail)
{
    static const QRegularExpression change(u"\\b([a-z_]+) (-?\\d+) -> (-?\\d+)"_s);
    QString out;
    qsizetype from = 0;
    for (auto it = change.globalMatch(detail); it.hasNext();) {
        const QRegularExpressionMatch m = it.next();
        const config::LimitField *field = config::findLimitField(m.captured(1));
        if (!field)
            continue;
        out += detail.mid(from, m.capturedStart() - from);
        out += u"%1 %2 -> %3"_s.arg(m.captured(1),
                                    limitValueText(m.captured(2).toLongLong(), field->unit),
                                    limitValueText(m.captured(3).toLongLong(), field->unit));
        from = m.capturedEnd();
    }
    return out + detail.mid(from);
}

QVariant EventsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const metrics::Event &e = m_events.at(index.row());
    if (role == Qt::ToolTipRole && index.column() == Detail)
        return e.detail;
    if (index.column() == Job && !e.jobId.isEmpty()) {
        // A link to the job (EventsPage: double-click shows it in the Jobs tab).
        if (role == Qt::ForegroundRole)
            return currentColours().infoText;
        if (role == Qt::FontRole) {
            QFont underlined;
            underlined.setUnderline(true);
            return underlined;
        }
        if (role == Qt::ToolTipRole)
            return tr("Double-click to show job %1 in the Jobs tab").arg(e.jobId);
    }
    if (role == Qt::ForegroundRole && index.column() == Kind) {
        if (e.kind == u"rejected"_s || e.kind == u"timeout"_s || e.kind == u"aborted"_s
            || e.kind == u"failed"_s)
            return currentColours().errorText;
        if (e.kind == u"limits_changed"_s)
            return currentColours().infoText;
        return {};
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case Time:
        return e.time.toLocalTime().toString(u"yyyy-MM-dd HH:mm:ss.zzz"_s);
    case Kind:
        return e.kind;
    case Detail:
        return e.kind == u"limits_changed"_s ? withUnits(e.detail) : e.detail;
    case Job:
        return e.jobId;
    case Account:
        return e.account;
    case Peer:
        return e.peer;
    case Request:
        return e.requestId;
    }
    return {};
}

void EventsModel::reset(const QList<metrics::Event> &events)
{
    beginResetModel();
    m_events = events.mid(std::max<qsizetype>(0, events.size() - m_capacity));
    endResetModel();
}

void EventsModel::append(const QList<metrics::Event> &events)
{
    if (events.isEmpty())
        return;
    const QList<metrics::Event> incoming
        = events.mid(std::max<qsizetype>(0, events.size() - m_capacity));
    const qsizetype overflow = m_events.size() + incoming.size() - m_capacity;
    if (overflow > 0) {
        beginRemoveRows({}, 0, int(overflow) - 1);
        m_events.remove(0, overflow);
        endRemoveRows();
    }
    const int first = int(m_events.size());
    beginInsertRows({}, first, first + int(incoming.size()) - 1);
    m_events.append(incoming);
    endInsertRows();
}

QStringList EventsModel::kinds() const
{
    QSet<QString> set;
    for (const metrics::Event &e : m_events)
        set.insert(e.kind);
    QStringList list(set.begin(), set.end());
    list.sort();
    return list;
}

void EventsFilterModel::setKind(const QString &kind)
{
    m_kind = kind;
    invalidateFilter();
}

void EventsFilterModel::setSearchText(const QString &text)
{
    m_search = text.trimmed();
    invalidateFilter();
}

bool EventsFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    const QAbstractItemModel *m = sourceModel();
    if (!m_kind.isEmpty()
        && m->index(sourceRow, EventsModel::Kind, sourceParent).data().toString() != m_kind)
        return false;
    if (m_search.isEmpty())
        return true;
    for (int c = 0; c < EventsModel::ColumnCount; ++c) {
        if (m->index(sourceRow, c, sourceParent)
                .data()
                .toString()
                .contains(m_search, Qt::CaseInsensitive))
            return true;
    }
    return false;
}

} // namespace sluice::ui
