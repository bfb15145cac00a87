#include "credentialstore.h"

#include <QLoggingCategory>
#include <QPointer>
#include <QSettings>
#include <QTimer>

#include <qt6keychain/keychain.h>

using namespace Qt::StringLiterals;

namespace sluice::ui {

Q_LOGGING_CATEGORY(lcCredentials, "sluice.ui.credentials")

namespace {

const auto KeychainService = u"sluice"_s;
const auto PinsGroup = u"remote/pins/"_s;

QSettings settings()
{
    return QSettings(u"Sluice"_s, u"sluice"_s);
}

// Whether the job's error means there is no usable keyring (as opposed to
// "nothing stored under that key").
bool keyringFailed(const QKeychain::Job &job)
{
    switch (job.error()) {
    case QKeychain::NoError:
    case QKeychain::EntryNotFound:
    // The operator said no to this one unlock prompt: the keyring is there.
    case QKeychain::AccessDeniedByUser:
        return false;
    default:
        return true;
    }
}

template<typename Job> Job *startJob(const QString &key, QObject *parent)
{
    auto job = new Job(KeychainService, parent);
    job->setAutoDelete(true);
    // Never QtKeychain's plain-text QSettings copy: without a keyring, the
    // token lives in memory only.
    job->setInsecureFallback(false);
    job->setKey(key);
    return job;
}

} // namespace

CredentialStore::CredentialStore(QObject *parent)
    : QObject(parent)
{ }

CredentialStore::~CredentialStore() = default;

QString CredentialStore::serverKey(const QUrl &server)
{
    const QString scheme = server.scheme().toLower();
    if ((scheme != u"http"_s && scheme != u"https"_s) || server.host().isEmpty())
        return {};
    const int port = server.port(scheme == u"https"_s ? 443 : 80);
    QUrl normalized;
    normalized.setScheme(scheme);
    normalized.setHost(server.host()); // QUrl lowercases it and keeps IPv6 in brackets
    normalized.setPort(port);
    return normalized.toString();
}

void CredentialStore::readToken(const QUrl &server, const QObject *context,
                                std::function<void(const QString &token)> done)
{
    const QString key = serverKey(server);
    QPointer<const QObject> guard(context);
    auto answer = [guard, done = std::move(done)](const QString &token) {
        if (guard)
            done(token);
    };
    if (key.isEmpty() || m_sessionTokens.contains(key) || m_keyring == Keyring::Unavailable) {
        const QString token = m_sessionTokens.value(key);
        QTimer::singleShot(0, this, [answer, token] { answer(token); });
        return;
    }
    auto job = startJob<QKeychain::ReadPasswordJob>(key, this);
    connect(job, &QKeychain::Job::finished, this, [this, job, key, answer] {
        if (keyringFailed(*job)) {
            qCInfo(lcCredentials) << "no keyring for" << key << ":" << job->errorString();
            setKeyring(Keyring::Unavailable);
            answer(m_sessionTokens.value(key)); // written while the keyring was being tried
            return;
        }
        setKeyring(Keyring::Available);
        answer(job->error() == QKeychain::NoError ? job->textData() : QString());
    });
    job->start();
}

void CredentialStore::writeToken(const QUrl &server, const QString &token)
{
    const QString key = serverKey(server);
    if (key.isEmpty())
        return;
    if (m_keyring == Keyring::Unavailable) {
        m_sessionTokens.insert(key, token);
        return;
    }
    // A later write or delete of the same server wins over this one, however
    // the keyring answers meanwhile.
    const quint64 generation = ++m_generations[key];
    auto job = startJob<QKeychain::WritePasswordJob>(key, this);
    job->setTextData(token);
    connect(job, &QKeychain::Job::finished, this, [this, job, key, token, generation] {
        if (m_generations.value(key) != generation) {
            setKeyring(keyringFailed(*job) ? Keyring::Unavailable : Keyring::Available);
            return;
        }
        if (keyringFailed(*job)) {
            qCInfo(lcCredentials) << "no keyring for" << key << ":" << job->errorString()
                                  << "; the token is kept in memory";
            m_sessionTokens.insert(key, token);
            setKeyring(Keyring::Unavailable);
            return;
        }
        m_sessionTokens.remove(key);
        setKeyring(Keyring::Available);
    });
    job->start();
}

void CredentialStore::deleteToken(const QUrl &server)
{
    const QString key = serverKey(server);
    if (key.isEmpty())
        return;
    m_sessionTokens.remove(key);
    ++m_generations[key];
    if (m_keyring == Keyring::Unavailable)
        return;
    auto job = startJob<QKeychain::DeletePasswordJob>(key, this);
    connect(job, &QKeychain::Job::finished, this, [this, job] {
        setKeyring(keyringFailed(*job) ? Keyring::Unavailable : Keyring::Available);
    });
    job->start();
}

void CredentialStore::checkKeyring()
{
    if (m_keyring != Keyring::Unknown)
        return;
    // Reading an entry that is never written answers EntryNotFound from a keyring.
    auto job = startJob<QKeychain::ReadPasswordJob>(u"keyring-check"_s, this);
    connect(job, &QKeychain::Job::finished, this, [this, job] {
        setKeyring(keyringFailed(*job) ? Keyring::Unavailable : Keyring::Available);
    });
    job->start();
}

void CredentialStore::setKeyring(Keyring keyring)
{
    if (keyring == m_keyring)
        return;
    m_keyring = keyring;
    emit keyringChanged(keyring);
}

QString CredentialStore::pin(const QUrl &server)
{
    const QString key = serverKey(server);
    return key.isEmpty() ? QString() : settings().value(PinsGroup + key).toString();
}

void CredentialStore::setPin(const QUrl &server, const QString &fingerprint)
{
    const QString key = serverKey(server);
    if (!key.isEmpty())
        settings().setValue(PinsGroup + key, fingerprint);
}

void CredentialStore::clearPin(const QUrl &server)
{
    const QString key = serverKey(server);
    if (!key.isEmpty())
        settings().remove(PinsGroup + key);
}

} // namespace sluice::ui
