#pragma once

#include <QDialog>
#include <QUrl>

QT_BEGIN_NAMESPACE
class QFormLayout;
class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QPushButton;
QT_END_NAMESPACE

namespace sluice::ui {

class CredentialStore;

// Asks where a remote sluiced is and with which token: the server's URL (the
// recent ones offered, newest first), the token, and whether to keep the
// token in the keyring. OK stays disabled until the URL is one the window
// can use, and the dialog says which part of it is wrong. A server picked from
// the list (or given) brings its stored token, if there is one.
class ConnectDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ConnectDialog)
public:
    static constexpr int MaxRecentServers = 10;

    explicit ConnectDialog(CredentialStore &credentials, QWidget *parent = nullptr);
    ~ConnectDialog() override;

    void setUrl(const QUrl &url);
    void setToken(const QString &token);

    QUrl url() const; // scheme://host[:port], valid once accepted
    QString token() const;
    bool rememberToken() const;

    // Why `text` is not a server URL ("scheme://host[:port]"), naming the
    // part at fault; empty when it is one.
    static QString problemWithUrl(const QString &text);
    // `text` as a URL: trimmed, without the trailing slash a browser adds.
    static QUrl serverUrl(const QString &text);

    // The servers connected to, newest first (QSettings "remote/recent").
    static QStringList recentServers();
    static void addRecentServer(const QUrl &url);

    void accept() override;

protected:
    void changeEvent(QEvent *event) override;

private:
    void colourProblem();
    void validate();
    // A recent server's stored token, into the empty token field.
    void fillStoredToken();
    void updatePin();
    void updateKeyringNote();

    CredentialStore &m_credentials;
    QComboBox *m_urlField = nullptr;
    QLabel *m_urlProblem = nullptr;
    QLineEdit *m_tokenField = nullptr;
    QPushButton *m_showTokenButton = nullptr;
    QCheckBox *m_rememberBox = nullptr;
    QLabel *m_keyringNote = nullptr;
    QDialogButtonBox *m_buttons = nullptr;
    // The server (CredentialStore::serverKey) whose stored token fills the
    // token field; empty when the operator typed or gave it.
    QString m_filledFor;
    QFormLayout *m_form = nullptr;
    QWidget *m_pinRow = nullptr;
    QLabel *m_pinLabel = nullptr;
};

} // namespace sluice::ui
