#include "export/exportcatalog.h"

#include <QDateTime>

#include "config/limits.h"
#include "export/demodata.h"
#include "util/threadpriority.h"

#include <QDir>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QSet>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcExport, "sluice.export", QtInfoMsg)

namespace sluice::exports {

ExportCatalog::ExportCatalog(QList<config::Dataset> datasets, QString dataDir)
    : m_datasets(std::move(datasets))
    , m_dataDir(QDir(dataDir).absolutePath())
{
    m_livePool.setObjectName(u"sluice-export"_s);
    m_livePool.setMaxThreadCount(int(config::Limits {}.maxLiveExports));
    m_livePool.setExpiryTimeout(30'000);
    // Until the generator runs, a missing demo file reads as "being generated".
    for (const config::Dataset &d : std::as_const(m_datasets)) {
        if (d.demoRows > 0 && !QFileInfo::exists(databasePath(d)))
            m_generating.insert(d.name);
    }
}

ExportCatalog::~ExportCatalog()
{
    stopGeneration();
    m_livePool.waitForDone();
}

namespace {

// Gives its place back when the last copy of the live export's handle goes.
class LiveSlot
{
public:
    explicit LiveSlot(std::function<void()> release)
        : m_release(std::move(release))
    { }
    ~LiveSlot() { m_release(); }
    Q_DISABLE_COPY_MOVE(LiveSlot)

private:
    std::function<void()> m_release;
};

} // namespace

ExportCatalog::DayRangeTurn ExportCatalog::dayRangeTurn(const QString &name, DayRange *range)
{
    QMutexLocker lock(&m_mutex);
    KnownDayRange &known = m_dayRanges[name];
    *range = known.range;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    if (known.readAtMs > 0 && now - known.readAtMs >= 0 && now - known.readAtMs < DayRangeMaxAgeMs)
        return DayRangeTurn::Cached;
    if (known.reading)
        return DayRangeTurn::Wait;
    known.reading = true;
    return DayRangeTurn::Read;
}

void ExportCatalog::storeDayRange(const QString &name, const std::optional<DayRange> &range)
{
    QMutexLocker lock(&m_mutex);
    KnownDayRange &known = m_dayRanges[name];
    known.reading = false;
    if (!range)
        return; // failed or interrupted: the next caller reads again
    known.range = *range;
    known.readAtMs = QDateTime::currentMSecsSinceEpoch();
}

std::shared_ptr<const void> ExportCatalog::takeLiveSlot(const QString &account, qint64 perAccount)
{
    QMutexLocker lock(&m_mutex);
    if (m_liveByAccount.value(account) >= perAccount)
        return {};
    ++m_liveByAccount[account];
    return std::make_shared<const LiveSlot>([this, account] {
        QMutexLocker lock(&m_mutex);
        if (--m_liveByAccount[account] <= 0)
            m_liveByAccount.remove(account);
    });
}

int ExportCatalog::liveExportsOf(const QString &account) const
{
    QMutexLocker lock(&m_mutex);
    return m_liveByAccount.value(account);
}

std::optional<config::Dataset> ExportCatalog::dataset(const QString &name) const
{
    for (const config::Dataset &d : m_datasets) {
        if (d.name == name)
            return d;
    }
    return std::nullopt;
}

QStringList ExportCatalog::names() const
{
    QStringList out;
    for (const config::Dataset &d : m_datasets)
        out.append(d.name);
    return out;
}

QString ExportCatalog::databasePath(const config::Dataset &dataset) const
{
    if (dataset.driver != u"QSQLITE"_s || QDir::isAbsolutePath(dataset.database)
        || dataset.database == u":memory:"_s)
        return dataset.database;
    return QDir(m_dataDir).filePath(dataset.database);
}

ExportCatalog::Readiness ExportCatalog::readiness(const QString &name, QString *why) const
{
    QMutexLocker lock(&m_mutex);
    if (const auto it = m_generationErrors.constFind(name); it != m_generationErrors.cend()) {
        if (why)
            *why = *it;
        return Readiness::Failed;
    }
    if (m_generating.contains(name)) {
        if (why)
            *why = u"the demo database of dataset %1 is being generated"_s.arg(name);
        return Readiness::Generating;
    }
    return Readiness::Ready;
}

void ExportCatalog::startGeneration()
{
    QMutexLocker lock(&m_mutex); // callers on any thread; the generator takes it later
    if (m_generator.joinable() || m_generating.isEmpty())
        return;
    QList<config::Dataset> todo;
    for (const config::Dataset &d : std::as_const(m_datasets)) {
        if (m_generating.contains(d.name))
            todo.append(d);
    }
    m_generator = std::thread([this, todo] {
        runAsBulkWork();
        for (const config::Dataset &d : todo) {
            const QString path = databasePath(d);
            qCInfo(lcExport).noquote() << "generating the demo dataset" << d.name << "with"
                                       << d.demoRows << "rows in" << path;
            const auto done = generateDemoOrders(path, d.demoRows, &m_stopGeneration);
            QMutexLocker lock(&m_mutex);
            m_generating.remove(d.name);
            if (!done) {
                qCWarning(lcExport).noquote() << done.error().message;
                m_generationErrors.insert(d.name, done.error().message);
            }
        }
    });
}

void ExportCatalog::stopGeneration()
{
    m_stopGeneration = true;
    QMutexLocker lock(&m_mutex);
    if (!m_generator.joinable())
        return;
    std::thread generator = std::move(m_generator);
    lock.unlock();
    generator.join();
}

void ExportCatalog::waitForGeneration()
{
    startGeneration();
    QMutexLocker lock(&m_mutex);
    if (!m_generator.joinable())
        return;
    std::thread generator = std::move(m_generator);
    lock.unlock();
    generator.join();
}

} // namespace sluice::exports
