#include "uploadsmodel.h"

#include "format.h"
#include "palette.h"

#include <QColor>
#include <QLocale>
#include <QSet>

using namespace Qt::StringLiterals;

namespace sluice::ui {

using upload::ProcessingState;
using upload::UploadRecord;

namespace {

constexpr int ShortSha = 12; // hex digits shown; the tooltip has all 64

} // namespace

UploadsModel::UploadsModel(QObject *parent)
    : QAbstractTableModel(parent)
{ }

int UploadsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_uploads.size());
}

int UploadsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant UploadsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Name:
        return tr("Name");
    case Size:
        return tr("Size");
    case Type:
        return tr("Type");
    case Account:
        return tr("Account");
    case Sha256:
        return tr("SHA-256");
    case Processing:
        return tr("Processing");
    case Received:
        return tr("Received");
    }
    return {};
}

QString UploadsModel::processingText(const UploadRecord &u)
{
    switch (u.processing) {
    case ProcessingState::Pending:
        return tr("pending");
    case ProcessingState::NotQueued:
        return tr("not queued: %1").arg(u.outcome.value(u"error"_s).toString());
    case ProcessingState::Failed:
        return tr("failed: %1").arg(u.outcome.value(u"error"_s).toString());
    case ProcessingState::Done:
        break;
    }
    if (u.outcome.contains(u"rows"_s))
        return tr("done, %1 rows \u00d7 %2 columns")
            .arg(QLocale().toString(u.outcome.value(u"rows"_s).toInteger()))
            .arg(u.outcome.value(u"columns"_s).toInt());
    if (u.outcome.contains(u"width"_s))
        return tr("done, %1 \u00d7 %2")
            .arg(u.outcome.value(u"width"_s).toInt())
            .arg(u.outcome.value(u"height"_s).toInt());
    return tr("done");
}

QVariant UploadsModel::display(const UploadRecord &u, int column) const
{
    switch (column) {
    case Name:
        return u.name;
    case Size:
        return formatBytes(double(u.size));
    case Type:
        return u.mime;
    case Account:
        return u.account;
    case Sha256:
        return QString(QString::fromLatin1(u.sha256.left(ShortSha)) + u"\u2026"_s);
    case Processing:
        return processingText(u);
    case Received:
        return QLocale().toString(u.createdAt.toLocalTime(), u"yyyy-MM-dd HH:mm:ss"_s);
    }
    return {};
}

QVariant UploadsModel::sortValue(const UploadRecord &u, int column) const
{
    switch (column) {
    case Size:
        return u.size;
    case Received:
        return u.createdAt.toMSecsSinceEpoch();
    case Sha256:
        return QString::fromLatin1(u.sha256);
    case Processing:
        return upload::toString(u.processing);
    default:
        return display(u, column);
    }
}

QVariant UploadsModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_uploads.size())
        return {};
    const UploadRecord &u = m_uploads.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        return display(u, index.column());
    case Qt::ToolTipRole:
        if (index.column() == Sha256)
            return QString::fromLatin1(u.sha256);
        if (index.column() == Size)
            return tr("%1 bytes").arg(QLocale().toString(u.size));
        if (index.column() == Processing || index.column() == Name)
            return display(u, index.column());
        return {};
    case Qt::ForegroundRole:
        if (index.column() == Processing && u.processing == ProcessingState::Failed)
            return currentColours().errorText;
        return {};
    case Qt::TextAlignmentRole:
        if (index.column() == Size)
            return QVariant(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case SortRole:
        return sortValue(u, index.column());
    case UploadIdRole:
        return u.id;
    case ProcessingRole:
        return upload::toString(u.processing);
    }
    return {};
}

void UploadsModel::reset(const QList<UploadRecord> &uploads)
{
    // Rows that stay are changed in place, so the view keeps its selection
    // and current row; only a different set of uploads resets it.
    bool sameIds = uploads.size() == m_uploads.size();
    for (qsizetype i = 0; sameIds && i < uploads.size(); ++i)
        sameIds = uploads.at(i).id == m_uploads.at(i).id;
    if (sameIds) {
        for (qsizetype i = 0; i < uploads.size(); ++i) {
            if (uploads.at(i) == m_uploads.at(i))
                continue;
            m_uploads[i] = uploads.at(i);
            emit dataChanged(index(int(i), 0), index(int(i), ColumnCount - 1));
        }
        return;
    }
    beginResetModel();
    m_uploads = uploads;
    m_rows.clear();
    for (qsizetype i = 0; i < m_uploads.size(); ++i)
        m_rows.insert(m_uploads.at(i).id, int(i));
    endResetModel();
}

const UploadRecord *UploadsModel::find(const QString &id) const
{
    const int row = rowOf(id);
    return row < 0 ? nullptr : &m_uploads.at(row);
}

const UploadRecord *UploadsModel::upload(int row) const
{
    return row >= 0 && row < m_uploads.size() ? &m_uploads.at(row) : nullptr;
}

int UploadsModel::rowOf(const QString &id) const
{
    return m_rows.value(id, -1);
}

QStringList UploadsModel::accounts() const
{
    QSet<QString> seen;
    for (const UploadRecord &u : m_uploads)
        seen.insert(u.account);
    QStringList list(seen.begin(), seen.end());
    list.sort(Qt::CaseInsensitive);
    return list;
}

void UploadsFilterModel::setAccountFilter(const QString &account)
{
    if (account == m_account)
        return;
    m_account = account;
    invalidateRowsFilter();
}

void UploadsFilterModel::setProcessingFilter(const QString &state)
{
    if (state == m_processing)
        return;
    m_processing = state;
    invalidateRowsFilter();
}

void UploadsFilterModel::setSearchText(const QString &text)
{
    const QString trimmed = text.trimmed();
    if (trimmed == m_search)
        return;
    m_search = trimmed;
    invalidateRowsFilter();
}

bool UploadsFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex &) const
{
    const auto *model = static_cast<const UploadsModel *>(sourceModel());
    const UploadRecord *u = model ? model->upload(sourceRow) : nullptr;
    if (!u)
        return false;
    if (!m_account.isEmpty() && u->account != m_account)
        return false;
    if (!m_processing.isEmpty() && upload::toString(u->processing) != m_processing)
        return false;
    if (m_search.isEmpty())
        return true;
    return u->name.contains(m_search, Qt::CaseInsensitive)
        || QString::fromLatin1(u->sha256).startsWith(m_search, Qt::CaseInsensitive)
        || u->id.contains(m_search, Qt::CaseInsensitive);
}

} // namespace sluice::ui
