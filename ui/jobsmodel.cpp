#include "jobsmodel.h"

#include "format.h"
#include "palette.h"

#include <QColor>
#include <QLocale>

#include <algorithm>
#include <utility>

using namespace Qt::StringLiterals;

namespace sluice::ui {

using jobs::JobRecord;
using jobs::JobState;

JobsModel::JobsModel(QObject *parent)
    : QAbstractTableModel(parent)
{ }

int JobsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_jobs.size());
}

int JobsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QColor JobsModel::stateColor(JobState state)
{
    const StateColours colors = currentColours();
    switch (state) {
    case JobState::Queued:
    case JobState::Expired:
        return colors.idle;
    case JobState::Running:
        return colors.infoText;
    case JobState::Succeeded:
        return colors.good;
    case JobState::Failed:
        return colors.errorText;
    case JobState::Cancelled:
        return colors.busy;
    }
    return {};
}

QDateTime JobsModel::now() const
{
    return m_now.isValid() ? m_now : QDateTime::currentDateTimeUtc();
}

QVariant JobsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Kind:
        return tr("Kind");
    case Owner:
        return tr("Owner");
    case State:
        return tr("State");
    case Progress:
        return tr("Progress");
    case Rows:
        return tr("Rows");
    case Bytes:
        return tr("Bytes");
    case Age:
        return tr("Age");
    case Runtime:
        return tr("Runtime");
    case Attempts:
        return tr("Attempts");
    case LastError:
        return tr("Last error");
    case Expires:
        return tr("Result expires");
    case Id:
        return tr("Id");
    }
    return {};
}

namespace {

qint64 runtimeMs(const JobRecord &job, const QDateTime &now)
{
    if (!job.startedAt.isValid())
        return -1;
    if (job.state == JobState::Running)
        return job.startedAt.msecsTo(now);
    if (job.finishedAt.isValid() && job.finishedAt >= job.startedAt)
        return job.startedAt.msecsTo(job.finishedAt);
    return -1;
}

} // namespace

QString JobsModel::stateText(JobState state)
{
    switch (state) {
    case JobState::Queued:
        return tr("queued");
    case JobState::Running:
        return tr("running");
    case JobState::Succeeded:
        return tr("succeeded");
    case JobState::Failed:
        return tr("failed");
    case JobState::Cancelled:
        return tr("cancelled");
    case JobState::Expired:
        return tr("expired");
    }
    return jobs::toString(state);
}

QVariant JobsModel::display(const JobRecord &job, int column) const
{
    switch (column) {
    case Kind:
        return job.kind;
    case Owner:
        return job.owner;
    case State:
        return stateText(job.state);
    case Progress:
        if (job.progressFraction >= 0)
            return u"%1%"_s.arg(qRound(job.progressFraction * 100));
        return job.state == JobState::Running ? tr("running") : QString();
    case Rows:
        return job.progressRows > 0 ? QLocale().toString(job.progressRows) : QString();
    case Bytes:
        return job.progressBytes > 0 ? formatBytes(double(job.progressBytes)) : QString();
    case Age:
        return formatDuration(job.createdAt.msecsTo(now()));
    case Runtime: {
        const qint64 ms = runtimeMs(job, now());
        return ms >= 0 ? formatDuration(ms) : QString();
    }
    case Attempts:
        return u"%1/%2"_s.arg(job.attempts).arg(job.maxAttempts);
    case LastError:
        return job.lastError.section(u'\n', 0, 0);
    case Expires:
        return job.resultExpiresAt.isValid()
            ? job.resultExpiresAt.toLocalTime().toString(u"yyyy-MM-dd HH:mm"_s)
            : QString();
    case Id:
        return job.id;
    }
    return {};
}

QVariant JobsModel::sortValue(const JobRecord &job, int column) const
{
    switch (column) {
    case State:
        return int(job.state);
    case Progress:
        return job.progressFraction;
    case Rows:
        return job.progressRows;
    case Bytes:
        return job.progressBytes;
    case Age:
        return -job.createdAt.toMSecsSinceEpoch(); // older first when ascending by age
    case Runtime:
        return runtimeMs(job, now());
    case Attempts:
        return job.attempts;
    case Expires:
        return job.resultExpiresAt.isValid() ? job.resultExpiresAt.toMSecsSinceEpoch()
                                             : std::numeric_limits<qint64>::max();
    default:
        return display(job, column);
    }
}

QVariant JobsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const JobRecord &job = m_jobs.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        return display(job, index.column());
    case Qt::ToolTipRole:
        if (index.column() == LastError && !job.lastError.isEmpty())
            return job.lastError;
        if (index.column() == Age)
            return QLocale().toString(job.createdAt.toLocalTime(), QLocale::LongFormat);
        return {};
    case Qt::ForegroundRole:
        if (index.column() == State)
            return stateColor(job.state);
        if (index.column() == LastError)
            return currentColours().errorText;
        return {};
    case Qt::TextAlignmentRole:
        switch (index.column()) {
        case Rows:
        case Bytes:
        case Age:
        case Runtime:
        case Attempts:
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        default:
            return {};
        }
    case SortRole:
        return sortValue(job, index.column());
    case JobIdRole:
        return job.id;
    case StateRole:
        return jobs::toString(job.state);
    case ProgressRole:
        return job.state == JobState::Succeeded ? 1.0 : job.progressFraction;
    }
    return {};
}

const JobRecord *JobsModel::job(int row) const
{
    return row >= 0 && row < m_jobs.size() ? &m_jobs.at(row) : nullptr;
}

const JobRecord *JobsModel::find(const QString &id) const
{
    return job(rowOf(id));
}

int JobsModel::rowOf(const QString &id) const
{
    const auto it = m_rows.constFind(id);
    return it == m_rows.cend() ? -1 : int(*it - m_firstRow);
}

void JobsModel::reindexFrom(int row)
{
    for (int r = row; r < m_jobs.size(); ++r)
        m_rows.insert(m_jobs.at(r).id, m_firstRow + r);
}

void JobsModel::count(const JobRecord &job, int delta)
{
    for (const auto &[counts, key] :
         {std::pair {&m_kindCounts, &job.kind}, std::pair {&m_ownerCounts, &job.owner}}) {
        auto it = counts->find(*key);
        if (it == counts->end()) {
            if (delta > 0) {
                counts->insert(*key, delta);
                m_choicesChanged = true;
            }
        } else if ((*it += delta) <= 0) {
            counts->erase(it);
            m_choicesChanged = true;
        }
    }
}

void JobsModel::dropOldest(int count)
{
    if (count <= 0)
        return;
    beginRemoveRows({}, 0, count - 1);
    for (int r = 0; r < count; ++r) {
        m_rows.remove(m_jobs.at(r).id);
        this->count(m_jobs.at(r), -1);
    }
    m_jobs.remove(0, count); // QList keeps free space at the front: no move of the rest
    m_firstRow += count;
    endRemoveRows();
}

void JobsModel::setMaxRows(int maxRows)
{
    m_maxRows = std::max(1, maxRows);
    dropOldest(int(m_jobs.size()) - m_maxRows);
    if (std::exchange(m_choicesChanged, false))
        emit choicesChanged();
}

void JobsModel::reset(const QList<JobRecord> &jobs)
{
    // The service lists the newest first; the window keeps the oldest first,
    // so that new jobs are appended and the oldest dropped from the front.
    QList<JobRecord> rows = jobs;
    const auto older = [](const JobRecord &a, const JobRecord &b) {
        const qint64 ta = a.createdAt.toMSecsSinceEpoch(), tb = b.createdAt.toMSecsSinceEpoch();
        return ta != tb ? ta < tb : a.id < b.id;
    };
    if (!std::is_sorted(rows.cbegin(), rows.cend(), older))
        std::sort(rows.begin(), rows.end(), older);
    if (rows.size() > m_maxRows)
        rows.remove(0, rows.size() - m_maxRows);

    beginResetModel();
    m_jobs = std::move(rows);
    m_rows.clear();
    m_rows.reserve(m_jobs.size());
    m_firstRow = 0;
    m_kindCounts.clear();
    m_ownerCounts.clear();
    reindexFrom(0);
    for (const JobRecord &job : std::as_const(m_jobs))
        count(job, 1);
    endResetModel();
    m_choicesChanged = false;
    emit choicesChanged();
}

JobsModel::Applied JobsModel::apply(const QList<JobRecord> &changed, const QStringList &removed)
{
    Applied applied;
    // Removals: one signal per contiguous run, from the bottom up.
    QList<int> gone;
    for (const QString &id : removed) {
        if (const int row = rowOf(id); row >= 0)
            gone.append(row);
    }
    std::sort(gone.begin(), gone.end(), std::greater<>());
    for (qsizetype i = 0; i < gone.size();) {
        qsizetype j = i;
        while (j + 1 < gone.size() && gone.at(j + 1) == gone.at(j) - 1)
            ++j;
        const int first = gone.at(j), last = gone.at(i);
        beginRemoveRows({}, first, last);
        for (int r = first; r <= last; ++r) {
            m_rows.remove(m_jobs.at(r).id);
            count(m_jobs.at(r), -1);
        }
        m_jobs.remove(first, last - first + 1);
        applied.removed += last - first + 1;
        // Before the signal: views look jobs up by id as they react to it.
        reindexFrom(first);
        endRemoveRows();
        i = j + 1;
    }

    // Updates in place, then one dataChanged per contiguous run; new jobs are appended at once.
    QList<int> updated;
    QList<JobRecord> added;
    for (const JobRecord &job : changed) {
        if (removed.contains(job.id))
            continue; // its last state, sent with its removal
        if (const int row = rowOf(job.id); row >= 0) {
            JobRecord &old = m_jobs[row];
            if (old.kind != job.kind || old.owner != job.owner) {
                count(old, -1);
                count(job, 1);
            }
            old = job;
            updated.append(row);
        } else {
            added.append(job);
        }
    }
    std::sort(updated.begin(), updated.end());
    for (qsizetype i = 0; i < updated.size();) {
        qsizetype j = i;
        while (j + 1 < updated.size() && updated.at(j + 1) <= updated.at(j) + 1)
            ++j;
        emit dataChanged(index(updated.at(i), 0), index(updated.at(j), ColumnCount - 1));
        i = j + 1;
    }
    if (added.size() > m_maxRows)
        added.remove(0, added.size() - m_maxRows); // a batch bigger than the window
    if (!added.isEmpty()) {
        const int first = int(m_jobs.size());
        beginInsertRows({}, first, first + int(added.size()) - 1);
        m_jobs.append(added);
        reindexFrom(first);
        for (const JobRecord &job : std::as_const(added))
            count(job, 1);
        endInsertRows();
        applied.added = int(added.size());
        applied.dropped = int(m_jobs.size()) - m_maxRows;
        dropOldest(applied.dropped);
        applied.dropped = std::max(0, applied.dropped);
    }
    if (std::exchange(m_choicesChanged, false))
        emit choicesChanged();
    return applied;
}

namespace {

QStringList sortedKeys(const QHash<QString, int> &counts)
{
    QStringList list = counts.keys();
    list.sort();
    return list;
}

} // namespace

QStringList JobsModel::kinds() const
{
    return sortedKeys(m_kindCounts);
}

QStringList JobsModel::owners() const
{
    return sortedKeys(m_ownerCounts);
}

void JobsFilterModel::setStateFilter(const QString &state)
{
    m_state = state;
    invalidateFilter();
}

void JobsFilterModel::setKindFilter(const QString &kind)
{
    m_kind = kind;
    invalidateFilter();
}

void JobsFilterModel::setOwnerFilter(const QString &owner)
{
    m_owner = owner;
    invalidateFilter();
}

void JobsFilterModel::setSearchText(const QString &text)
{
    m_search = text.trimmed();
    invalidateFilter();
}

bool JobsFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex &) const
{
    const auto *model = qobject_cast<const JobsModel *>(sourceModel());
    const JobRecord *job = model ? model->job(sourceRow) : nullptr;
    if (!job)
        return false;
    if (!m_state.isEmpty() && jobs::toString(job->state) != m_state)
        return false;
    if (!m_kind.isEmpty() && job->kind != m_kind)
        return false;
    if (!m_owner.isEmpty() && job->owner != m_owner)
        return false;
    if (m_search.isEmpty())
        return true;
    for (const QString *field : {&job->id, &job->kind, &job->owner, &job->lastError}) {
        if (field->contains(m_search, Qt::CaseInsensitive))
            return true;
    }
    return false;
}

} // namespace sluice::ui
