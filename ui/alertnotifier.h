#pragma once

#include "summarytile.h"

#include "jobs/job.h"

#include <QHash>
#include <QObject>
#include <QQueue>
#include <QSet>

namespace sluice::ui {

// The few desktop notifications an operator wants, and no more: a dashboard
// tile turning red (memory over its budget, a stuck queue, the disk below
// its floor), once each time it crosses, not once a sample; and jobs that
// failed for good (no retry left), one notification for all that failed
// together. The tray shows them (MainWindow); this decides what to say.
class AlertNotifier final : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;

    // From DashboardPage::tileLevelChanged.
    void tileLevelChanged(const QString &name, const QString &title, SummaryTile::Level level,
                          const QString &what, const QString &why);
    // From ServiceFacade::jobsChanged (jobsReset is history: nothing new failed).
    void jobsChanged(const QList<jobs::JobRecord> &changed);

signals:
    // `jobId` is the failed job to show when the notification is clicked
    // (the first of several), empty for a tile.
    void alert(const QString &title, const QString &message, const QString &jobId);

private:
    QSet<QString> m_red; // tiles red now: told once, again only after they recovered
    // Failures already told, by job id and the time it failed (a job retried
    // by hand that fails again is told again); the oldest forgotten first.
    QSet<QString> m_told;
    QQueue<QString> m_toldOrder;
};

} // namespace sluice::ui
