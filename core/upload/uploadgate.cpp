#include "upload/uploadgate.h"

#include "util/threadcheck.h"

#include <QThread>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace sluice::upload {

namespace {
// A 507 for bytes in flight: an upload of a few MiB finishes within seconds.
constexpr int InFlightRetryAfterS = 5;
} // namespace

// What tickets hold of their gate: null once the gate is gone.
struct UploadGateLink
{
    QMutex mutex;
    UploadGate *gate = nullptr; // guarded by mutex
};

UploadTicket::UploadTicket(std::shared_ptr<UploadGateLink> gate, QString account, QString name,
                           qint64 reserved, bool slot)
    : m_gate(std::move(gate))
    , m_account(std::move(account))
    , m_name(std::move(name))
    , m_reserved(reserved)
    , m_declared(reserved)
    , m_slot(slot)
{ }

UploadTicket::~UploadTicket()
{
    QMutexLocker lock(&m_gate->mutex);
    UploadGate *gate = m_gate->gate;
    if (!gate)
        return;
    if (gate->m_anchor.thread() == QThread::currentThread()) {
        gate->release(m_account, m_reserved, m_declared, m_slot);
        return;
    }
    // The last copy of a ticket shared with a reply can die on the store's
    // thread. The gate's counters are its own thread's; the anchor is alive
    // while the link names the gate (the mutex is held).
    QMetaObject::invokeMethod(
        &gate->m_anchor,
        [link = m_gate, account = m_account, reserved = m_reserved, declared = m_declared,
         slot = m_slot] {
            QMutexLocker lock(&link->mutex);
            if (link->gate)
                link->gate->release(account, reserved, declared, slot);
        },
        Qt::QueuedConnection);
}

std::optional<http::HttpError> UploadTicket::growTo(qint64 total)
{
    // On the gate's thread (the request's), which alone destroys the gate.
    UploadGate *gate = m_gate->gate;
    if (total <= m_reserved || !gate)
        return std::nullopt;
    gate->checkThread("UploadTicket::growTo");
    // The disk floor too: a body of unknown length was admitted with nothing
    // declared (the reading counts what it wrote already: conservative).
    if (auto refused = gate->roomFor(m_account, total - m_reserved, m_name))
        return refused;
    gate->m_reserved += total - m_reserved;
    gate->m_grownSinceReading += total - m_reserved;
    gate->m_reservedByAccount[m_account] += total - m_reserved;
    m_reserved = total;
    return std::nullopt;
}

void UploadTicket::markWritten(qint64 total)
{
    UploadGate *gate = m_gate->gate;
    if (!gate || total <= m_written)
        return;
    gate->checkThread("UploadTicket::markWritten");
    const qint64 moved = std::min(m_declared, total - m_written);
    m_written = total;
    m_declared -= moved;
    gate->m_declared -= moved;
    gate->m_grownSinceReading += moved; // written since the reading
}

UploadGate::UploadGate(QObject *home)
    : m_anchor(home)
    , m_self(std::make_shared<UploadGateLink>())
{
    m_self->gate = this;
}

UploadGate::~UploadGate()
{
    QMutexLocker lock(&m_self->mutex);
    m_self->gate = nullptr;
}

void UploadGate::checkThread(const char *what) const
{
    sluice::checkThread(m_anchor, what);
}

void UploadGate::setLimits(const config::Limits &limits)
{
    checkThread("UploadGate::setLimits");
    m_limits = limits;
}

void UploadGate::setFreeDiskBytes(qint64 bytes)
{
    checkThread("UploadGate::setFreeDiskBytes");
    m_freeDisk = bytes;
    m_grownSinceReading = 0; // the reading shows them now
    m_storedAtReading = m_stored ? m_stored->total() : 0;
}

int UploadGate::inFlight() const
{
    checkThread("UploadGate::inFlight");
    return m_inFlight;
}

int UploadGate::inFlight(const QString &account) const
{
    checkThread("UploadGate::inFlight");
    return m_perAccount.value(account);
}

qint64 UploadGate::reservedBytes() const
{
    checkThread("UploadGate::reservedBytes");
    return m_reserved;
}

void UploadGate::setAccounts(int accounts)
{
    checkThread("UploadGate::setAccounts");
    m_accounts = accounts;
}

void UploadGate::setStoredBytes(std::shared_ptr<const StoredBytes> stored)
{
    checkThread("UploadGate::setStoredBytes");
    m_stored = std::move(stored);
}

// The temp-bytes budget (all accounts, and the account's share of it) and
// the account's stored bytes, with `extra` more.
std::optional<http::HttpError> UploadGate::budgetFor(const QString &account, qint64 extra,
                                                     const QString &name) const
{
    // Bytes in flight: they are freed as uploads finish, so trying again
    // may help (Retry-After); stored bytes and the disk wait for a delete.
    if (m_reserved + extra > m_limits.maxUploadTempBytes) {
        auto refused = http::HttpError::limitExceeded(
            507,
            u"uploads in flight would hold %1 bytes in the temp folder, more than "
            "max_upload_temp_bytes"_s.arg(m_reserved + extra),
            u"max_upload_temp_bytes"_s, m_limits.maxUploadTempBytes);
        if (extra <= m_limits.maxUploadTempBytes)
            refused.retryAfterS = InFlightRetryAfterS;
        return refused;
    }
    const qint64 own = m_reservedByAccount.value(account) + extra;
    if (const qint64 share = m_limits.accountShare(m_limits.maxUploadTempBytes, m_accounts);
        own > share) {
        auto refused = http::HttpError::limitExceeded(
            507,
            u"uploads in flight of account %1 would hold %2 bytes in the temp folder, more than "
            "its share (%3 bytes: account_share_percent of max_upload_temp_bytes)"_s.arg(name)
                .arg(own)
                .arg(share),
            u"account_share_percent"_s, m_limits.accountSharePercentFor(m_accounts));
        if (extra <= share)
            refused.retryAfterS = InFlightRetryAfterS;
        return refused;
    }
    if (const qint64 stored = m_stored ? m_stored->of(account) : 0;
        stored + own > m_limits.maxAccountStoredUploadBytes)
        return http::HttpError::limitExceeded(
            507,
            u"account %1 stores %2 bytes of uploads and has %3 in flight; %4 more would pass "
            "max_account_stored_upload_bytes (delete uploads with DELETE /uploads/{id})"_s.arg(name)
                .arg(stored)
                .arg(own - extra)
                .arg(extra),
            u"max_account_stored_upload_bytes"_s, m_limits.maxAccountStoredUploadBytes);
    return std::nullopt;
}

// At admission, and as a body of unknown length grows. Free now is the
// reading less what growing bodies took since it; declared bodies count in
// full (the reading shows what they wrote already, so this is conservative).
std::optional<http::HttpError> UploadGate::roomFor(const QString &account, qint64 extra,
                                                   const QString &name) const
{
    if (auto refused = budgetFor(account, extra, name))
        return refused;
    if (m_freeDisk < 0)
        return std::nullopt;
    // Keep min_free_disk_bytes free once every reservation is written. What
    // was stored since the reading took its space too (what was deleted
    // since is not counted back: conservative until the next reading).
    const qint64 storedSince
        = m_stored ? std::max<qint64>(0, m_stored->total() - m_storedAtReading) : 0;
    const qint64 freeNow = m_freeDisk - m_grownSinceReading - m_declared - storedSince;
    if (freeNow - extra < m_limits.minFreeDiskBytes)
        return http::HttpError::limitExceeded(
            507,
            u"not enough free disk: %1 bytes free, %2 reserved by uploads in flight, %3 more "
            "needed, and min_free_disk_bytes must stay free"_s.arg(m_freeDisk)
                .arg(m_reserved)
                .arg(extra),
            u"min_free_disk_bytes"_s, m_limits.minFreeDiskBytes);
    // And the disk above the floor is shared: what uploads hold (stored and
    // in flight) and what is still free, an account's share of it each.
    const qint64 stored = m_stored ? m_stored->of(account) : 0;
    const qint64 held = stored + m_reservedByAccount.value(account) + extra;
    const qint64 usable
        = freeNow - m_limits.minFreeDiskBytes + (m_stored ? m_stored->total() : 0) + m_reserved;
    if (const qint64 share = m_limits.accountShare(usable, m_accounts); held > share)
        return http::HttpError::limitExceeded(
            507,
            u"account %1 would hold %2 bytes of the disk with uploads (stored and in flight), "
            "more than its share (%3 bytes: account_share_percent of the %4 bytes above "
            "min_free_disk_bytes that uploads hold or may use)"_s.arg(name)
                .arg(held)
                .arg(share)
                .arg(usable),
            u"account_share_percent"_s, m_limits.accountSharePercentFor(m_accounts));
    return std::nullopt;
}

std::variant<std::unique_ptr<UploadTicket>, http::HttpError>
UploadGate::admit(const QString &account, qint64 declared, const QString &givenName)
{
    const QString &name = givenName.isEmpty() ? account : givenName;
    checkThread("UploadGate::admit");
    if (declared > m_limits.maxUploadBytes)
        return http::HttpError::limitExceeded(
            413, u"the body has %1 bytes, more than max_upload_bytes"_s.arg(declared),
            u"max_upload_bytes"_s, m_limits.maxUploadBytes);
    if (m_perAccount.value(account) >= m_limits.maxUploadsPerAccount)
        return http::HttpError::limitExceeded(
            429,
            u"account %1 already has %2 uploads in flight"_s.arg(name).arg(
                m_perAccount.value(account)),
            u"max_uploads_per_account"_s, m_limits.maxUploadsPerAccount);
    if (m_inFlight >= m_limits.maxConcurrentUploads)
        return http::HttpError::limitExceeded(503, u"%1 uploads are in flight"_s.arg(m_inFlight),
                                              u"max_concurrent_uploads"_s,
                                              m_limits.maxConcurrentUploads);
    if (auto refused = roomFor(account, declared, name))
        return *refused;
    ++m_inFlight;
    ++m_perAccount[account];
    m_reserved += declared;
    m_declared += declared;
    m_reservedByAccount[account] += declared;
    return std::unique_ptr<UploadTicket>(new UploadTicket(m_self, account, name, declared, true));
}

std::variant<std::unique_ptr<UploadTicket>, http::HttpError>
UploadGate::park(const QString &account, qint64 declared, const QString &givenName)
{
    const QString &name = givenName.isEmpty() ? account : givenName;
    checkThread("UploadGate::park");
    if (declared > m_limits.maxUploadBytes)
        return http::HttpError::limitExceeded(
            413, u"the upload has %1 bytes, more than max_upload_bytes"_s.arg(declared),
            u"max_upload_bytes"_s, m_limits.maxUploadBytes);
    if (auto refused = roomFor(account, declared, name))
        return *refused;
    return repark(account, declared, 0, name);
}

std::unique_ptr<UploadTicket> UploadGate::repark(const QString &account, qint64 declared,
                                                 qint64 written, const QString &givenName)
{
    checkThread("UploadGate::repark");
    written = std::clamp<qint64>(written, 0, declared);
    m_reserved += declared;
    m_declared += declared - written;
    m_reservedByAccount[account] += declared;
    auto ticket = std::unique_ptr<UploadTicket>(new UploadTicket(
        m_self, account, givenName.isEmpty() ? account : givenName, declared, false));
    ticket->m_declared = declared - written;
    ticket->m_written = written;
    return ticket;
}

void UploadGate::release(const QString &account, qint64 reserved, qint64 declared, bool slot)
{
    checkThread("UploadGate::release");
    if (slot) {
        --m_inFlight;
        if (--m_perAccount[account] <= 0)
            m_perAccount.remove(account);
    }
    m_reserved -= reserved;
    m_declared -= declared;
    if ((m_reservedByAccount[account] -= reserved) <= 0)
        m_reservedByAccount.remove(account);
}

} // namespace sluice::upload
