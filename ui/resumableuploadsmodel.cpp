#include "resumableuploadsmodel.h"

#include "format.h"
#include "palette.h"

#include <QColor>
#include <QLocale>

using namespace Qt::StringLiterals;

namespace sluice::ui {

using upload::ResumableInfo;

namespace {

// Shown as "soon" (the warning colour) below this.
constexpr qint64 SoonMs = 60 * 60 * 1000;

} // namespace

ResumableUploadsModel::ResumableUploadsModel(QObject *parent)
    : QAbstractTableModel(parent)
{ }

int ResumableUploadsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_uploads.size());
}

int ResumableUploadsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ResumableUploadsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Name:
        return tr("Name");
    case Account:
        return tr("Account");
    case Received:
        return tr("Received");
    case Expires:
        return tr("Expires");
    }
    return {};
}

QString ResumableUploadsModel::displayName(const ResumableInfo &u)
{
    return u.name.isEmpty() ? u.id : u.name;
}

QString ResumableUploadsModel::receivedText(const ResumableInfo &u)
{
    if (!u.length)
        return tr("%1, length deferred").arg(formatBytes(double(u.offset)));
    return tr("%1 of %2").arg(formatBytes(double(u.offset)), formatBytes(double(*u.length)));
}

QString ResumableUploadsModel::expiresText(const ResumableInfo &u, const QDateTime &now)
{
    const qint64 left = now.msecsTo(u.expires);
    if (left <= 0)
        return tr("expired");
    return tr("in %1").arg(formatCoarseDuration(left));
}

QDateTime ResumableUploadsModel::now() const
{
    return m_now.isValid() ? m_now : QDateTime::currentDateTimeUtc();
}

QVariant ResumableUploadsModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_uploads.size())
        return {};
    const ResumableInfo &u = m_uploads.at(index.row());
    const int column = index.column();
    switch (role) {
    case Qt::DisplayRole:
        switch (column) {
        case Name:
            return displayName(u);
        case Account:
            return u.account;
        case Received:
            return receivedText(u);
        case Expires:
            return expiresText(u, now());
        }
        return {};
    case Qt::ToolTipRole:
        switch (column) {
        case Name:
            return tr("Upload %1").arg(u.id);
        case Account:
            return u"%1 (%2)"_s.arg(u.account, u.accountId);
        case Received:
            return u.length ? tr("%1 of %2 bytes")
                                  .arg(QLocale().toString(u.offset), QLocale().toString(*u.length))
                            : tr("%1 bytes; the client has not said yet how many will come")
                                  .arg(QLocale().toString(u.offset));
        case Expires:
            return QLocale().toString(u.expires.toLocalTime(), u"yyyy-MM-dd HH:mm:ss"_s);
        }
        return {};
    case Qt::ForegroundRole:
        if (column == Expires) {
            const qint64 left = now().msecsTo(u.expires);
            if (left <= 0)
                return currentColours().errorText;
            if (left < SoonMs)
                return currentColours().warningText;
        }
        return {};
    case UploadIdRole:
        return u.id;
    case FractionRole:
        if (column != Received || !u.length)
            return -1.0;
        return *u.length > 0 ? double(u.offset) / double(*u.length) : 1.0;
    }
    return {};
}

void ResumableUploadsModel::reset(const QList<ResumableInfo> &uploads)
{
    const bool sameRows = uploads.size() == m_uploads.size()
        && std::equal(uploads.begin(), uploads.end(), m_uploads.begin(),
                      [](const ResumableInfo &a, const ResumableInfo &b) { return a.id == b.id; });
    if (!sameRows) {
        beginResetModel();
        m_uploads = uploads;
        endResetModel();
        return;
    }
    m_uploads = uploads;
    if (!m_uploads.isEmpty()) // Expires moves on even when nothing else changed
        emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
}

const ResumableInfo *ResumableUploadsModel::find(const QString &id) const
{
    const int row = rowOf(id);
    return row < 0 ? nullptr : &m_uploads.at(row);
}

int ResumableUploadsModel::rowOf(const QString &id) const
{
    for (int row = 0; row < m_uploads.size(); ++row) {
        if (m_uploads.at(row).id == id)
            return row;
    }
    return -1;
}

} // namespace sluice::ui
