#include "service/service.h"

#include "config/authenticator.h"
#include "export/exportcatalog.h"
#include "export/exportjob.h"
#include "jobs/jobengine.h"
#include "jobs/selftestjob.h"
#include "service/serviceruntime.h"
#include "upload/thumbnailprocess.h"
#include "upload/uploadprocessjob.h"
#include "upload/uploadstore.h"
#include "util/durablefile.h"
#include "util/lockfile.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonObject>
#include <QLoggingCategory>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcService, "sluice.service", QtInfoMsg)

namespace sluice::service {

QString ListenAddress::toString() const
{
    const QString h = host.protocol() == QAbstractSocket::IPv6Protocol
        ? u"["_s + host.toString() + u"]"_s
        : host.toString();
    return h + u':' + QString::number(port);
}

QString ListenAddress::url() const
{
    return (tls ? u"https://"_s : u"http://"_s) + toString();
}

std::optional<ListenAddress> ListenAddress::parse(const QString &url)
{
    bool tls = false;
    QString text = url;
    if (text.startsWith(u"https://"_s)) {
        tls = true;
        text = text.mid(8);
    } else if (text.startsWith(u"http://"_s)) {
        text = text.mid(7);
    }
    const qsizetype colon = text.lastIndexOf(u':');
    if (colon <= 0)
        return std::nullopt;
    QString host = text.left(colon);
    bool ok = false;
    const uint port = text.mid(colon + 1).toUInt(&ok);
    if (!ok || port > 65535)
        return std::nullopt;
    if (host.startsWith(u'[') && host.endsWith(u']'))
        host = host.mid(1, host.size() - 2);
    ListenAddress a;
    a.port = quint16(port);
    a.tls = tls;
    if (host == u"localhost"_s)
        a.host = QHostAddress(QHostAddress::LocalHost);
    else if (!a.host.setAddress(host))
        return std::nullopt;
    return a;
}

Service::Service(Options options, config::LoadedConfig loaded, QObject *parent)
    : ServiceFacade(parent)
    , m_options(std::move(options))
    , m_config(std::move(loaded.config))
    , m_firstRunToken(loaded.firstRunToken.value_or(QString()))
{
    qRegisterMetaType<ServiceStatus>();
    qRegisterMetaType<metrics::Sample>();
    qRegisterMetaType<JobCommandResult>();
    qRegisterMetaType<LimitsApplyResult>();
    qRegisterMetaType<http::Transfer>();
    qRegisterMetaType<QList<http::Transfer>>();
    qRegisterMetaType<jobs::JobRecord>();
    qRegisterMetaType<QList<jobs::JobRecord>>();
    qRegisterMetaType<UploadCommandResult>();
    qRegisterMetaType<upload::UploadRecord>();
    qRegisterMetaType<QList<upload::UploadRecord>>();
    qRegisterMetaType<upload::ResumableInfo>();
    qRegisterMetaType<QList<upload::ResumableInfo>>();
    m_configWriter.setMaxThreadCount(1);

    // The job engine: its own thread, its own store connection.
    m_options.dataDir
        = QDir(m_options.dataDir).absolutePath(); // workers resolve paths on other threads
    const QString dataDir = m_options.dataDir;
    stampStatus(m_status);
    // Before anything reads, recovers or sweeps: a second process on the same
    // data dir would re-queue the first one's running jobs and delete their
    // temp folders (crash recovery assumes nobody else is there).
    if (!m_options.dataDirLock) {
        if (auto locked = lockDataDir(dataDir))
            m_options.dataDirLock = *locked;
        else
            m_startError = locked.error().message;
    }
    const bool mayTouchDataDir = m_startError.isEmpty();
    m_events = std::make_unique<metrics::EventLog>(dataDir + u"/logs"_s);
    connect(m_events.get(), &metrics::EventLog::recorded, this, &ServiceFacade::eventRecorded);
    m_engine = new jobs::JobEngine(
        {dataDir + u"/jobs.db"_s, dataDir + u"/tmp/jobs"_s, dataDir + u"/results"_s, dataDir},
        m_config.limits);
    m_engine->setAccounts(config::Authenticator(m_config.accounts).dataAccounts());
    m_engine->registerKind(std::make_unique<jobs::SelftestJob>());
    m_imageDecodeLimits = std::make_shared<upload::ImageDecodeLimits>();
    m_imageDecodeLimits->maxBytes = m_config.limits.imageDecodeMaxBytes;
    m_imageDecodeLimits->maxMs = m_config.limits.imageDecodeMaxMs;
    m_engine->registerKind(std::make_unique<upload::UploadProcessJob>(
        dataDir + u"/uploads.db"_s, dataDir + u"/uploads"_s,
        upload::thumbnailHelperCandidates(m_options.helperDir), m_imageDecodeLimits));
    m_exports = std::make_shared<exports::ExportCatalog>(m_config.datasets, dataDir);
    m_exportBatchRows = std::make_shared<std::atomic<qint64>>(m_config.limits.exportBatchRows);
    m_engine->registerKind(std::make_unique<exports::ExportJob>(
        m_exports, [rows = m_exportBatchRows] { return rows->load(); }));
    m_jobsThread.setObjectName(u"sluice-jobs"_s);
    m_engine->moveToThread(&m_jobsThread);
    connect(&m_jobsThread, &QThread::finished, m_engine, &QObject::deleteLater);
    // Already batched by the engine; queued to this thread and passed on as they are.
    connect(m_engine, &jobs::JobEngine::jobsChanged, this, &ServiceFacade::jobsChanged);
    // Direct: runs on the engine's thread; record() is thread-safe and never blocks on disk.
    connect(
        m_engine, &jobs::JobEngine::event, m_engine,
        [events = m_events.get()](const QString &kind, const QString &jobId,
                                  const QString &detail) {
            events->record({{}, kind, {}, jobId, {}, {}, detail});
        },
        Qt::DirectConnection);

    // Stored uploads: their own thread, since storing waits for fsync.
    m_uploadStore = new upload::UploadStore(
        {dataDir + u"/uploads.db"_s, dataDir + u"/uploads"_s, dataDir + u"/tmp"_s}, m_engine,
        m_config.limits.tempFileTtlMs);
    m_uploadsThread.setObjectName(u"sluice-uploads"_s);
    m_uploadStore->moveToThread(&m_uploadsThread);
    connect(
        m_uploadStore, &upload::UploadStore::event, m_uploadStore,
        [events = m_events.get()](const QString &kind, const QString &id, const QString &detail) {
            events->record(
                {{}, kind, {}, {}, {}, {}, id.isEmpty() ? detail : id + u": "_s + detail});
        },
        Qt::DirectConnection);

    // The HTTP side: server, routes, sampler; its own thread too.
    m_httpThread.setObjectName(u"sluice-http"_s);
    m_runtime = new ServiceRuntime(this, dataDir, m_engine, m_events.get(), m_uploadStore);
    m_runtime->moveToThread(&m_httpThread);
    connect(&m_httpThread, &QThread::finished, m_runtime, &QObject::deleteLater);
    connect(m_engine, &jobs::JobEngine::statsPublished, m_runtime,
            [runtime = m_runtime](const jobs::EngineStats &s) { runtime->onEngineStats(s); });
    m_httpThread.start();
    m_jobsThread.start();
    m_uploadsThread.start();

    // Once, at start-up, before anything is served: open the store and recover.
    if (mayTouchDataDir) {
        QMetaObject::invokeMethod(
            m_engine,
            [this] {
                if (auto started = m_engine->start(); !started)
                    m_startError = u"job engine: "_s + started.error().message;
            },
            Qt::BlockingQueuedConnection);
    }
    if (mayTouchDataDir && m_startError.isEmpty()) {
        QMetaObject::invokeMethod(
            m_uploadStore,
            [this] {
                if (auto started = m_uploadStore->start(); !started)
                    m_startError = u"upload store: "_s + started.error().message;
            },
            Qt::BlockingQueuedConnection);
    }
    // Resumable uploads live beside uploads/ (a finished one is linked there).
    // Made here, before the data dir is watched (below): a new entry there
    // later would look like a change of the config.
    if (mayTouchDataDir && m_startError.isEmpty()) {
        if (auto made = createPrivateDirectories(dataDir + u"/resumable"_s); !made)
            m_startError = u"resumable uploads: "_s + made.error().message;
    }
    if (!m_startError.isEmpty())
        qCWarning(lcService).noquote() << m_startError;
    // A missing demo database is generated a little after start-up (a service
    // that only lives for a moment never pays for it), or at the first export
    // request that needs it, whichever comes first.
    if (mayTouchDataDir) {
        QTimer::singleShot(std::chrono::seconds(2), this,
                           [exports = m_exports] { exports->startGeneration(); });
    }
    // Resumable uploads only in a data dir that is ours: their start-up
    // cuts and deletes files there.
    QMetaObject::invokeMethod(
        m_runtime,
        [runtime = m_runtime, l = m_config.limits, t = m_config.uploadTypes,
         ours = mayTouchDataDir && m_startError.isEmpty()] { runtime->init(l, t, ours); });

    // `sluiced token add` and hand edits change the file under a running
    // service: reload accounts and limits. The file is replaced by rename, so
    // the directory is what is watched.
    // A Service refused its data dir reloads nothing: applying limits would
    // start sweeps and log events in another process's data dir.
    if (!mayTouchDataDir)
        return;
    m_reloadDebounce.setSingleShot(true);
    m_reloadDebounce.setInterval(std::chrono::milliseconds(200));
    connect(&m_reloadDebounce, &QTimer::timeout, this, &Service::onConfigFileChanged);
    const QFileInfo config(m_options.configPath);
    m_watcher.addPath(config.absolutePath());
    if (config.isSymLink() && !config.canonicalFilePath().isEmpty()) // writers replace the target
        m_watcher.addPath(QFileInfo(config.canonicalFilePath()).absolutePath());
    connect(&m_watcher, &QFileSystemWatcher::directoryChanged, &m_reloadDebounce,
            qOverload<>(&QTimer::start));
    // An editor that writes the file in place changes the file, not the
    // directory: watch the file too (its watch is renewed after a rename).
    watchConfigFile();
    connect(&m_watcher, &QFileSystemWatcher::fileChanged, &m_reloadDebounce,
            qOverload<>(&QTimer::start));
}

void Service::watchConfigFile()
{
    const QString path = QFileInfo(m_options.configPath).canonicalFilePath();
    if (!path.isEmpty() && !m_watcher.files().contains(path))
        m_watcher.addPath(path);
}

Service::~Service()
{
    m_configWriter.waitForDone(); // a save in progress finishes; its answer is dropped
    // Order matters: no request may reach the engine once it is gone, and no
    // engine answer may target a runtime that is gone.
    QMetaObject::invokeMethod(
        m_runtime, [runtime = m_runtime] { runtime->abortAll(); }, Qt::BlockingQueuedConnection);
    QMetaObject::invokeMethod(
        m_uploadStore, [store = m_uploadStore] { store->shutdown(); },
        Qt::BlockingQueuedConnection);
    QMetaObject::invokeMethod(
        m_engine, [engine = m_engine] { engine->shutdown(); }, Qt::BlockingQueuedConnection);
    m_exports->stopGeneration(); // job kinds may keep the catalog a little longer
    m_jobsThread.quit();
    m_jobsThread.wait();
    m_uploadsThread.quit();
    m_uploadsThread.wait();
    delete m_uploadStore; // its thread is over and its database closed
    m_httpThread.quit();
    m_httpThread.wait();
}

Expected<std::shared_ptr<LockFile>> Service::lockDataDir(const QString &dataDir)
{
    if (auto made = createPrivateDirectories(dataDir); !made)
        return made.error();
    const QString path = QDir(dataDir).absoluteFilePath(u"sluice.lock"_s);
    bool heldByOther = false;
    auto locked = LockFile::tryLock(path, &heldByOther);
    if (!locked && !heldByOther)
        return locked.error();
    if (!locked) {
        const qint64 holder = LockFile::recordedHolder(path);
        return Error {
            u"the data directory %1 is in use by %2 (another sluice or sluiced); one process per data directory: stop it or choose another --data-dir"_s
                .arg(QDir(dataDir).absolutePath(),
                     holder > 0 ? u"process %1"_s.arg(holder) : u"another process"_s)};
    }
    return std::shared_ptr<LockFile>(std::move(*locked));
}

QList<metrics::Event> Service::recentEvents(int max) const
{
    return m_events->recent(max);
}

void Service::onSample(const metrics::Sample &sample)
{
    m_latestSample = sample;
    emit metricsSampled(sample);
}

void Service::stampStatus(ServiceStatus &status) const
{
    status.version = QStringLiteral(SLUICE_VERSION);
    status.dataDir = m_options.dataDir;
    status.configFile = m_options.configPath.isEmpty()
        ? QString()
        : QFileInfo(m_options.configPath).absoluteFilePath();
}

void Service::setStatus(const ServiceStatus &status)
{
    m_status = status;
    stampStatus(m_status);
    emit statusChanged(m_status);
    const QJsonObject json = toJson(m_status);
    QMetaObject::invokeMethod(m_runtime,
                              [runtime = m_runtime, json] { runtime->publishStatus(json); });
}

void Service::start()
{
    if (m_status.state != ServiceState::Stopped && m_status.state != ServiceState::Failed)
        return;
    const auto fail = [this](const QString &error) {
        ServiceStatus failed;
        failed.state = ServiceState::Failed;
        failed.error = error;
        setStatus(failed);
    };
    const auto address
        = m_options.listen ? m_options.listen : ListenAddress::parse(m_config.listen);
    if (!address)
        return fail(u"invalid listen address '%1'"_s.arg(m_config.listen));
    if (!m_startError.isEmpty())
        return fail(m_startError);
    // Read at each start, so that a new certificate needs a restart and
    // no more; a file at fault fails the start and is named.
    std::optional<QSslConfiguration> tls;
    if (address->tls) {
        QString error;
        if (!m_config.tls) {
            error = u"listen %1 needs a \"tls\" section with the certificate and the private key "
                    "in %2 (`sluiced tls self-signed` writes one)"_s.arg(address->url(),
                                                                         m_options.configPath);
        } else {
            auto loaded = http::loadTlsConfiguration(
                config::Config::resolvePath(m_options.configPath, m_config.tls->certificate),
                config::Config::resolvePath(m_options.configPath, m_config.tls->privateKey));
            if (loaded)
                tls = *loaded;
            else
                error = loaded.error().message;
        }
        if (!error.isEmpty())
            return fail(error);
    }
    ServiceStatus s;
    s.state = ServiceState::Starting;
    s.requestsTotal = m_status.requestsTotal; // the service's, across restarts
    setStatus(s);
    auto authenticator = std::make_shared<const config::Authenticator>(m_config.accounts);
    QMetaObject::invokeMethod(m_runtime,
                              [runtime = m_runtime, a = *address, l = m_config.limits,
                               authenticator,
                               tls = std::move(tls)] { runtime->start(a, l, authenticator, tls); });
}

void Service::stop()
{
    if (m_status.state != ServiceState::Running && m_status.state != ServiceState::Starting)
        return;
    ServiceStatus s = m_status;
    s.state = ServiceState::Stopping;
    setStatus(s);
    QMetaObject::invokeMethod(m_runtime, [runtime = m_runtime] { runtime->stop(); });
}

void Service::onConfigFileChanged()
{
    watchConfigFile(); // a rename replaced the file that was watched
    auto loaded = config::Config::load(m_options.configPath);
    if (!loaded) {
        // The running config stays. Once per distinct problem: an editor
        // saving twice does not fill the log.
        if (loaded.error().message != m_lastConfigError) {
            m_lastConfigError = loaded.error().message;
            qCWarning(lcService).noquote() << "config not reloaded:" << m_lastConfigError;
            metrics::Event refused;
            refused.kind = u"config_rejected"_s;
            refused.detail = m_lastConfigError + u"; the running config stays"_s;
            m_events->record(refused);
        }
        return;
    }
    m_lastConfigError.clear();
    // Read at the next start (a new certificate, `sluiced tls self-signed`).
    m_config.tls = loaded->tls;
    if (loaded->accounts == m_config.accounts && loaded->limits == m_config.limits
        && loaded->uploadTypes == m_config.uploadTypes)
        return;
    const bool limitsChanged = loaded->limits != m_config.limits;
    if (limitsChanged)
        recordLimitsChange(m_config.limits, loaded->limits, u"config file"_s);
    m_config.accounts = loaded->accounts;
    m_config.limits = loaded->limits;
    m_config.uploadTypes = loaded->uploadTypes;
    qCInfo(lcService) << "config reloaded from" << m_options.configPath;
    applyConfig();
    if (limitsChanged)
        emit ServiceFacade::limitsChanged(m_config.limits);
}

void Service::recordLimitsChange(const config::Limits &from, const config::Limits &to,
                                 const QString &by)
{
    QStringList changed;
    for (const config::LimitField &f : config::limitFields()) {
        if (to.*f.member != from.*f.member)
            changed << u"%1 %2 -> %3"_s.arg(QLatin1StringView(f.key))
                           .arg(from.*f.member)
                           .arg(to.*f.member);
    }
    if (!changed.isEmpty())
        m_events->record({{},
                          u"limits_changed"_s,
                          {},
                          {},
                          {},
                          {},
                          changed.join(u", "_s) + u" (by "_s + by + u')'});
}

void Service::requestHistory(qint64 sinceMs, const QStringList &names)
{
    QMetaObject::invokeMethod(m_runtime, [this, runtime = m_runtime, sinceMs, names] {
        HistorySnapshot history = runtime->history(sinceMs, names);
        QMetaObject::invokeMethod(
            this, [this, sinceMs, history] { emit historyReady(sinceMs, history); },
            Qt::QueuedConnection);
    });
}

namespace {
// The person at the window: may see and control every account's jobs.
// Owns nothing (no account id): the jobs it submits (serviceexports.cpp,
// which has the same principal) belong to no account.
const jobs::Principal kOperator {QString(), u"operator"_s, true};
} // namespace

void Service::requestJobs(int limit)
{
    jobs::JobQuery query;
    query.limit = limit;
    // The answer is queued to this thread after every jobsChanged batch flushed
    // before the read, and before any flushed after it: order is preserved.
    m_engine->list(query, kOperator, this, [this](Expected<jobs::JobPage> page) {
        if (!page) {
            qCWarning(lcService).noquote() << "job list:" << page.error().message;
            emit jobsReset({}, 0);
            return;
        }
        emit jobsReset(page->jobs, page->total);
    });
}

void Service::cancelJobs(const QStringList &ids)
{
    for (const QString &id : ids) {
        m_engine->cancel(id, kOperator, this, [this, id](const jobs::ControlResult &r) {
            emit jobCommandFinished({JobCommandResult::Command::Cancel, id,
                                     r.status == jobs::ControlResult::Status::Ok, r.message});
        });
    }
}

void Service::retryJobs(const QStringList &ids)
{
    for (const QString &id : ids) {
        m_engine->retry(id, kOperator, this, [this, id](const jobs::ControlResult &r) {
            emit jobCommandFinished({JobCommandResult::Command::Retry, id,
                                     r.status == jobs::ControlResult::Status::Ok, r.message});
        });
    }
}

void Service::removeJobs(const QStringList &ids)
{
    for (const QString &id : ids) {
        m_engine->remove(id, kOperator, this, [this, id](const jobs::ControlResult &r) {
            emit jobCommandFinished({JobCommandResult::Command::Remove, id,
                                     r.status == jobs::ControlResult::Status::Ok, r.message});
        });
    }
}

void Service::applyLimits(const config::Limits &limits)
{
    const auto answer = [this](const LimitsApplyResult &r) {
        emit limitsApplyFinished(r);
    };
    if (const QStringList errors = limits.validate(); !errors.isEmpty()) {
        answer({false, errors, m_config.limits});
        return;
    }
    // The window sets every limit: what it shows is what it means.
    updateLimits(
        [limits](config::Limits &inFile) {
            inFile = limits;
            return QList<config::LimitError> {};
        },
        u"operator"_s, answer);
}

void Service::updateLimits(LimitsChange change, const QString &by,
                           std::function<void(const LimitsApplyResult &)> done)
{
    if (m_options.dataDirLock == nullptr) { // refused its data dir: not ours to change
        done({false, {m_startError}, m_config.limits});
        return;
    }
    // The save syncs to disk: not on this (the GUI) thread. The file is read
    // again under its lock, so that accounts added meanwhile (sluiced token
    // add) stay, and so that changes queued one after another each start
    // from the one before (one writer thread); a file that no longer parses
    // is left alone and the change fails.
    const QString path = m_options.configPath;
    // A missing file is rebuilt from what the service runs with, never from
    // defaults (which hold no accounts).
    m_configWriter.start(
        [this, path, change = std::move(change), by, done = std::move(done), current = m_config] {
            QList<config::LimitError> invalid;
            config::Limits changed;
            const auto saved = config::updateConfigFile(
                path,
                [&](config::Config &next) -> Expected<void> {
                    invalid = change(next.limits);
                    if (!invalid.isEmpty())
                        return Error {u"invalid limits"_s};
                    changed = next.limits;
                    return {};
                },
                current);
            const QString error = saved || !invalid.isEmpty() ? QString() : saved.error().message;
            QMetaObject::invokeMethod(
                this,
                [this, changed, error, invalid, by, done] {
                    onLimitsSaved(changed, error, invalid, by, done);
                },
                Qt::QueuedConnection);
        });
}

void Service::onLimitsSaved(const config::Limits &limits, const QString &error,
                            const QList<config::LimitError> &invalid, const QString &by,
                            const std::function<void(const LimitsApplyResult &)> &done)
{
    if (!invalid.isEmpty()) {
        QStringList messages;
        for (const config::LimitError &e : invalid)
            messages.append(e.message);
        done({false, messages, m_config.limits, invalid});
        return;
    }
    if (!error.isEmpty()) {
        done({false, {error}, m_config.limits});
        return;
    }
    // The file watcher may have applied the same change already; then there is nothing to do.
    if (limits != m_config.limits) {
        recordLimitsChange(m_config.limits, limits, by);
        m_config.limits = limits;
        applyConfig();
        emit ServiceFacade::limitsChanged(m_config.limits);
    }
    done({true, {}, m_config.limits});
}

void Service::abortTransfer(quint64 connectionId)
{
    QMetaObject::invokeMethod(
        m_runtime, [runtime = m_runtime, connectionId] { runtime->abortTransfer(connectionId); });
}

void Service::postToHttpThread(std::function<void()> f) const
{
    QMetaObject::invokeMethod(m_runtime, std::move(f), Qt::QueuedConnection);
}

void Service::applyConfig()
{
    m_exportBatchRows->store(m_config.limits.exportBatchRows);
    m_imageDecodeLimits->maxBytes = m_config.limits.imageDecodeMaxBytes;
    m_imageDecodeLimits->maxMs = m_config.limits.imageDecodeMaxMs;
    auto authenticator = std::make_shared<const config::Authenticator>(m_config.accounts);
    m_engine->setAccounts(authenticator->dataAccounts()); // before the limits' sweep
    m_engine->setLimits(m_config.limits);
    m_uploadStore->setTempFileTtl(m_config.limits.tempFileTtlMs);
    QMetaObject::invokeMethod(
        m_runtime,
        [runtime = m_runtime, l = m_config.limits, t = m_config.uploadTypes, authenticator] {
            runtime->applyLimits(l);
            runtime->applyUploadTypes(t);
            runtime->applyAuthenticator(authenticator);
        });
}

} // namespace sluice::service
