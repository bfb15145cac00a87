#include "alertnotifier.h"

using namespace Qt::StringLiterals;

namespace sluice::ui {

namespace {

constexpr qsizetype MaxRemembered = 4'096;

} // namespace

void AlertNotifier::tileLevelChanged(const QString &name, const QString &title,
                                     SummaryTile::Level level, const QString &what,
                                     const QString &why)
{
    if (level != SummaryTile::Level::Critical) {
        m_red.remove(name);
        return;
    }
    if (m_red.contains(name))
        return;
    m_red.insert(name);
    emit alert(tr("%1: critical").arg(title), why.isEmpty() ? what : tr("%1. %2").arg(what, why),
               {});
}

void AlertNotifier::jobsChanged(const QList<jobs::JobRecord> &changed)
{
    QList<const jobs::JobRecord *> failed;
    for (const jobs::JobRecord &job : changed) {
        if (job.state != jobs::JobState::Failed)
            continue;
        const QString key = job.id + u'@' + QString::number(job.finishedAt.toMSecsSinceEpoch());
        if (m_told.contains(key))
            continue;
        m_told.insert(key);
        m_toldOrder.enqueue(key);
        if (m_toldOrder.size() > MaxRemembered)
            m_told.remove(m_toldOrder.dequeue());
        failed.append(&job);
    }
    if (failed.isEmpty())
        return;
    const jobs::JobRecord &first = *failed.constFirst();
    if (failed.size() == 1) {
        emit alert(tr("Job failed: %1").arg(first.kind),
                   tr("%1 (%2, owner %3) failed for good: %4")
                       .arg(first.id, first.kind, first.owner, first.lastError),
                   first.id);
        return;
    }
    // Never one: a single failure is told above.
    emit alert(tr("%1 jobs failed").arg(failed.size()),
               tr("They failed for good. The first, %1: %2").arg(first.id, first.lastError),
               first.id);
}

} // namespace sluice::ui
