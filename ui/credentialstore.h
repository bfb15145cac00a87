#pragma once

#include <QHash>
#include <QObject>
#include <QString>
#include <QUrl>

#include <functional>

namespace sluice::ui {

// What the window remembers about remote services: their tokens in the
// desktop's keyring (QtKeychain), and the certificate fingerprints the
// operator accepted in QSettings. A token never goes to QSettings: without a
// keyring (no D-Bus session, no Secret Service) it is kept in this object's
// memory until Sluice quits, and keptInMemoryOnly() says so.
//
// Entries are keyed by the server's normalized URL, "scheme://host:port".
class CredentialStore final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CredentialStore)
public:
    enum class Keyring { Unknown, Available, Unavailable };

    explicit CredentialStore(QObject *parent = nullptr);
    ~CredentialStore() override;

    // "scheme://host:port" with the scheme's default port filled in; empty
    // when the URL has no http(s) scheme or no host.
    static QString serverKey(const QUrl &server);

    // Each answers once, later, on this thread; nothing is called after
    // `context` is destroyed. The token is empty when none is stored.
    void readToken(const QUrl &server, const QObject *context,
                   std::function<void(const QString &token)> done);
    void writeToken(const QUrl &server, const QString &token);
    void deleteToken(const QUrl &server);
    // Finds out whether there is a keyring, without storing anything.
    void checkKeyring();

    Keyring keyring() const { return m_keyring; }
    bool keptInMemoryOnly() const { return m_keyring == Keyring::Unavailable; }

    // The SHA-256 fingerprint ("AB:CD:...") accepted for the server, or empty.
    static QString pin(const QUrl &server);
    static void setPin(const QUrl &server, const QString &fingerprint);
    static void clearPin(const QUrl &server);

signals:
    void keyringChanged(sluice::ui::CredentialStore::Keyring keyring);

private:
    void setKeyring(Keyring keyring);

    Keyring m_keyring = Keyring::Unknown;
    QHash<QString, QString> m_sessionTokens; // server key -> token, without a keyring
    QHash<QString, quint64> m_generations; // server key -> its latest write or delete
};

} // namespace sluice::ui
