#include "connectdialog.h"

#include "credentialstore.h"
#include "palette.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QEvent>
#include <QFontDatabase>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace sluice::ui {

namespace {

const auto RecentKey = u"remote/recent"_s;

QSettings settings()
{
    return QSettings(u"Sluice"_s, u"sluice"_s);
}

} // namespace

ConnectDialog::ConnectDialog(CredentialStore &credentials, QWidget *parent)
    : QDialog(parent)
    , m_credentials(credentials)
{
    setObjectName(u"connectDialog"_s);
    setWindowTitle(tr("Connect to a Sluice service"));

    auto form = new QFormLayout;
    m_form = form;
    m_urlField = new QComboBox;
    m_urlField->setObjectName(u"urlField"_s);
    m_urlField->setEditable(true);
    m_urlField->setInsertPolicy(QComboBox::NoInsert); // the list is the recent servers only
    m_urlField->addItems(recentServers());
    m_urlField->setCurrentIndex(m_urlField->count() > 0 ? 0 : -1);
    m_urlField->lineEdit()->setPlaceholderText(u"https://host:8443"_s);
    m_urlField->setMinimumContentsLength(32);
    form->addRow(tr("&Server:"), m_urlField);

    m_urlProblem = new QLabel;
    m_urlProblem->setObjectName(u"urlProblem"_s);
    m_urlProblem->setTextFormat(Qt::PlainText);
    m_urlProblem->setWordWrap(true);
    colourProblem();
    form->addRow(QString(), m_urlProblem);

    // The certificate accepted for this server, with the way to forget it
    // (its renewal is refused until then).
    m_pinRow = new QWidget;
    auto pinLayout = new QHBoxLayout(m_pinRow);
    pinLayout->setContentsMargins({});
    m_pinLabel = new QLabel;
    m_pinLabel->setObjectName(u"pinLabel"_s);
    m_pinLabel->setTextFormat(Qt::PlainText);
    m_pinLabel->setWordWrap(true);
    m_pinLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    pinLayout->addWidget(m_pinLabel, 1);
    auto forget = new QPushButton(tr("&Forget"));
    forget->setObjectName(u"forgetPinButton"_s);
    forget->setToolTip(tr("Forget this certificate: the next connection asks about the one the "
                          "server presents"));
    pinLayout->addWidget(forget);
    connect(forget, &QPushButton::clicked, this, [this] {
        CredentialStore::clearPin(url());
        updatePin();
    });
    form->addRow(tr("Certificate:"), m_pinRow);

    auto tokenRow = new QHBoxLayout;
    m_tokenField = new QLineEdit;
    m_tokenField->setObjectName(u"tokenField"_s);
    m_tokenField->setEchoMode(QLineEdit::Password);
    m_tokenField->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_tokenField->setPlaceholderText(tr("an admin's token (sluiced token add NAME --admin)"));
    tokenRow->addWidget(m_tokenField, 1);
    m_showTokenButton = new QPushButton(tr("Show"));
    m_showTokenButton->setObjectName(u"showTokenButton"_s);
    m_showTokenButton->setCheckable(true);
    connect(m_showTokenButton, &QPushButton::toggled, this, [this](bool shown) {
        m_tokenField->setEchoMode(shown ? QLineEdit::Normal : QLineEdit::Password);
        m_showTokenButton->setText(shown ? tr("Hide") : tr("Show"));
    });
    tokenRow->addWidget(m_showTokenButton);
    form->addRow(tr("&Token:"), tokenRow);

    m_rememberBox = new QCheckBox(tr("&Remember token in the keyring"));
    m_rememberBox->setObjectName(u"rememberTokenBox"_s);
    form->addRow(QString(), m_rememberBox);
    m_keyringNote = new QLabel(tr("no keyring: the token is kept until Sluice quits"));
    m_keyringNote->setObjectName(u"keyringNote"_s);
    m_keyringNote->setWordWrap(true);
    form->addRow(QString(), m_keyringNote);

    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    m_buttons->button(QDialogButtonBox::Ok)->setText(tr("&Connect"));
    connect(m_buttons, &QDialogButtonBox::accepted, this, &ConnectDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &ConnectDialog::reject);

    auto layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_buttons);

    connect(m_urlField, &QComboBox::editTextChanged, this, &ConnectDialog::validate);
    // Not on every key typed: a keyring may ask to be unlocked.
    connect(m_urlField, &QComboBox::textActivated, this, &ConnectDialog::fillStoredToken);
    connect(m_tokenField, &QLineEdit::textChanged, this, &ConnectDialog::validate);
    // Typed by the operator: theirs, whatever the address.
    connect(m_tokenField, &QLineEdit::textEdited, this, [this] { m_filledFor.clear(); });
    connect(&m_credentials, &CredentialStore::keyringChanged, this,
            &ConnectDialog::updateKeyringNote);
    m_credentials.checkKeyring();
    updateKeyringNote();
    validate();
    fillStoredToken();
}

ConnectDialog::~ConnectDialog() = default;

void ConnectDialog::setUrl(const QUrl &url)
{
    m_urlField->setEditText(url.toString());
    fillStoredToken();
}

void ConnectDialog::setToken(const QString &token)
{
    m_filledFor.clear();
    m_tokenField->setText(token);
}

QUrl ConnectDialog::url() const
{
    return serverUrl(m_urlField->currentText());
}

QString ConnectDialog::token() const
{
    return m_tokenField->text().trimmed();
}

bool ConnectDialog::rememberToken() const
{
    return m_rememberBox->isChecked();
}

QUrl ConnectDialog::serverUrl(const QString &text)
{
    QUrl url(text.trimmed(), QUrl::StrictMode);
    if (url.path() == u"/"_s)
        url.setPath({});
    return url;
}

QString ConnectDialog::problemWithUrl(const QString &text)
{
    if (text.trimmed().isEmpty())
        return tr("Enter the server's URL, such as https://host:8443.");
    const QUrl url = serverUrl(text);
    const QString scheme = url.scheme().toLower();
    if (scheme != u"http"_s && scheme != u"https"_s)
        return tr("The URL must start with http:// or https://.");
    if (!url.isValid())
        return tr("This is not a URL: %1").arg(url.errorString());
    if (url.host().isEmpty())
        return tr("The URL has no host.");
    if (!url.userInfo().isEmpty())
        return tr("Remove the user name from the URL: the token goes in its own field.");
    if (!url.path().isEmpty())
        return tr("Remove the path \u201c%1\u201d: the URL ends after the host and port.")
            .arg(url.path());
    if (url.hasQuery())
        return tr("Remove the query \u201c?%1\u201d: the URL ends after the host and port.")
            .arg(url.query());
    if (url.hasFragment())
        return tr("Remove the fragment \u201c#%1\u201d: the URL ends after the host and port.")
            .arg(url.fragment());
    return {};
}

QStringList ConnectDialog::recentServers()
{
    QStringList servers = settings().value(RecentKey).toStringList();
    servers.removeAll(QString());
    servers.removeDuplicates();
    if (servers.size() > MaxRecentServers)
        servers.resize(MaxRecentServers);
    return servers;
}

void ConnectDialog::addRecentServer(const QUrl &url)
{
    const QString server = url.toString();
    QStringList servers = recentServers();
    servers.removeAll(server);
    servers.prepend(server);
    if (servers.size() > MaxRecentServers)
        servers.resize(MaxRecentServers);
    settings().setValue(RecentKey, servers);
}

void ConnectDialog::accept()
{
    if (!m_buttons->button(QDialogButtonBox::Ok)->isEnabled())
        return; // Return pressed on an invalid URL
    addRecentServer(url());
    QDialog::accept();
}

void ConnectDialog::validate()
{
    // A token filled in from the keyring belongs to its server: once the
    // address names another one, it goes (it must not be sent there, nor
    // remembered for it).
    if (!m_filledFor.isEmpty() && CredentialStore::serverKey(url()) != m_filledFor) {
        m_filledFor.clear();
        const QSignalBlocker block(m_tokenField);
        m_tokenField->clear();
        m_rememberBox->setChecked(false);
    }
    const QString problem = problemWithUrl(m_urlField->currentText());
    updatePin();
    m_urlProblem->setText(problem);
    m_urlProblem->setVisible(!problem.isEmpty());
    m_buttons->button(QDialogButtonBox::Ok)
        ->setEnabled(problem.isEmpty() && !m_tokenField->text().trimmed().isEmpty());
}

void ConnectDialog::updatePin()
{
    const QString pinned = problemWithUrl(m_urlField->currentText()).isEmpty()
        ? CredentialStore::pin(url())
        : QString();
    m_pinLabel->setText(tr("accepted, SHA-256 %1").arg(pinned));
    m_form->setRowVisible(m_pinRow, !pinned.isEmpty());
}

void ConnectDialog::fillStoredToken()
{
    const auto typed = [this] {
        return !token().isEmpty() && m_filledFor.isEmpty();
    };
    if (!problemWithUrl(m_urlField->currentText()).isEmpty() || typed())
        return;
    const QString server = CredentialStore::serverKey(url());
    m_credentials.readToken(url(), this, [this, server, typed](const QString &stored) {
        // Not over what the operator typed meanwhile, nor for another server.
        if (stored.isEmpty() || typed() || CredentialStore::serverKey(url()) != server)
            return;
        m_tokenField->setText(stored);
        m_filledFor = server;
        m_rememberBox->setChecked(true);
        validate();
    });
}

void ConnectDialog::updateKeyringNote()
{
    m_keyringNote->setVisible(m_credentials.keptInMemoryOnly());
}

// The problem line in the error colour of the dialog's palette, again when
// that changes (its own WindowText would otherwise keep the old scheme's red).
void ConnectDialog::colourProblem()
{
    QPalette problemPalette = m_urlProblem->palette();
    problemPalette.setColor(QPalette::WindowText, coloursFor(palette()).errorText);
    m_urlProblem->setPalette(problemPalette);
}

void ConnectDialog::changeEvent(QEvent *event)
{
    QDialog::changeEvent(event);
    if (event->type() == QEvent::PaletteChange && m_urlProblem)
        colourProblem();
}

} // namespace sluice::ui
