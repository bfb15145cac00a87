#pragma once

#include "config/limits.h"
#include "http/httptypes.h"
#include "upload/storedbytes.h"

#include <QHash>
#include <QMutex>
#include <QObject>
#include <QString>

#include <memory>
#include <variant>

namespace sluice::upload {

class UploadGate;
struct UploadGateLink;

// An admitted upload's place: its slot (global and per account) and the
// temp bytes it reserved. Released when destroyed, on any thread: the release
// itself runs on the gate's thread.
class UploadTicket
{
public:
    UploadTicket(const UploadTicket &) = delete;
    UploadTicket &operator=(const UploadTicket &) = delete;
    ~UploadTicket();

    // A body of unknown length (chunked) reserves as it arrives; the error
    // (507) when the temp budgets, the account's stored bytes or the disk
    // floor have no room for `total` bytes.
    std::optional<http::HttpError> growTo(qint64 total);
    qint64 reserved() const { return m_reserved; }
    // A parked upload's first `total` bytes are on the disk now: the disk
    // reading shows them from the next reading on, so they stop counting as
    // declared-not-written (else the disk floor would count them twice).
    void markWritten(qint64 total);

private:
    friend class UploadGate;
    UploadTicket(std::shared_ptr<UploadGateLink> gate, QString account, QString name,
                 qint64 reserved, bool slot);

    std::shared_ptr<UploadGateLink> m_gate;
    QString m_account; // the key of the per-account counts (its id)
    QString m_name; // what answers call it
    qint64 m_reserved;
    qint64 m_declared = 0; // of m_reserved, what admission reserved (not yet written)
    qint64 m_written = 0; // what markWritten() moved out of m_declared
    bool m_slot = true; // counts as an upload in flight (a parked one does not)
};

// Admission of uploads, on the HTTP thread, before a body byte is read:
// concurrent uploads (503 all accounts, 429 one account, with Retry-After),
// the temp-bytes budget and the account's share of it, the account's stored
// bytes, free disk and the account's share of it (507). Answers name the
// limit.
//
// The counters have no lock: every call, and every ticket's release, runs on
// the gate's thread (checked, see util/threadcheck.h).
class UploadGate
{
public:
    // The gate belongs to home's thread and follows home when it moves;
    // without home, to the constructing thread.
    explicit UploadGate(QObject *home = nullptr);
    ~UploadGate();
    Q_DISABLE_COPY_MOVE(UploadGate)

    void setLimits(const config::Limits &limits);
    // Free bytes of the data dir's file system (a recent reading), or -1.
    void setFreeDiskBytes(qint64 bytes);
    // Each account's stored uploads, for max_account_stored_upload_bytes
    // and the share of the disk.
    void setStoredBytes(std::shared_ptr<const StoredBytes> stored);
    // Accounts that share the temp budget and the disk (an equal part each
    // when fewer than account_share_percent allows; 0: unknown).
    void setAccounts(int accounts);

    // `declared` is the body's length, or 0 when unknown.
    // `account` keys the per-account counts (the account id); `name`, if
    // given, is what the answers call it.
    std::variant<std::unique_ptr<UploadTicket>, http::HttpError>
    admit(const QString &account, qint64 declared, const QString &name = {});

    // An unfinished resumable upload between its requests: its bytes stay
    // reserved (the temp budget, the account's share and stored bytes, the
    // disk floor), but it takes no slot of max_concurrent_uploads. `declared`
    // is its length, or 0 when deferred (the ticket grows as bytes arrive).
    std::variant<std::unique_ptr<UploadTicket>, http::HttpError>
    park(const QString &account, qint64 declared, const QString &name = {});
    // The same for one found at start-up: never refused, since its bytes are
    // on the disk already; `written` of them are (the disk reading shows them).
    std::unique_ptr<UploadTicket> repark(const QString &account, qint64 declared, qint64 written,
                                         const QString &name = {});

    int inFlight() const;
    int inFlight(const QString &account) const;
    qint64 reservedBytes() const;

private:
    friend class UploadTicket;
    std::optional<http::HttpError> budgetFor(const QString &account, qint64 extra,
                                             const QString &name) const;
    std::optional<http::HttpError> roomFor(const QString &account, qint64 extra,
                                           const QString &name) const;
    void release(const QString &account, qint64 reserved, qint64 declared, bool slot);
    void checkThread(const char *what) const;

    QObject m_anchor; // a child of home: on the gate's thread, where releases are posted
    std::shared_ptr<UploadGateLink> m_self;
    config::Limits m_limits;
    qint64 m_freeDisk = -1;
    int m_accounts = 0;
    std::shared_ptr<const StoredBytes> m_stored;
    QHash<QString, qint64> m_reservedByAccount;
    int m_inFlight = 0;
    QHash<QString, int> m_perAccount;
    qint64 m_reserved = 0;
    // For the disk floor: declared bodies' reservations (none of it counted
    // as written), and what growing bodies took since the last disk reading
    // (what they took before it, the reading shows).
    qint64 m_declared = 0;
    qint64 m_grownSinceReading = 0;
    qint64 m_storedAtReading = 0; // StoredBytes::total() when the reading came
};

} // namespace sluice::upload
