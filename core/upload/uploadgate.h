#pragma once

#include "config/limits.h"
#include "http/httptypes.h"

#include <QHash>
#include <QString>

#include <memory>
#include <variant>

namespace sluice::upload {

class UploadGate;

// An admitted upload's place: its slot (global and per account) and the
// temp bytes it reserved. Released when destroyed.
class UploadTicket
{
public:
    UploadTicket(const UploadTicket &) = delete;
    UploadTicket &operator=(const UploadTicket &) = delete;
    ~UploadTicket();

    // A body of unknown length (chunked) reserves as it arrives; the error
    // (507) when max_upload_temp_bytes has no room for `total` bytes.
    std::optional<http::HttpError> growTo(qint64 total);
    qint64 reserved() const { return m_reserved; }

private:
    friend class UploadGate;
    UploadTicket(std::shared_ptr<UploadGate *> gate, QString account, qint64 reserved);

    std::shared_ptr<UploadGate *> m_gate; // null inside once the gate is gone
    QString m_account;
    qint64 m_reserved;
};

// Admission of uploads, on the HTTP thread, before a body byte is read:
// concurrent uploads (503 all accounts, 429 one account, with Retry-After),
// the temp-bytes budget and free disk (507). Answers name the limit.
class UploadGate
{
public:
    UploadGate();
    ~UploadGate();
    Q_DISABLE_COPY_MOVE(UploadGate)

    void setLimits(const config::Limits &limits) { m_limits = limits; }
    // Free bytes of the data dir's file system (a recent reading), or -1.
    void setFreeDiskBytes(qint64 bytes) { m_freeDisk = bytes; }

    // `declared` is the body's length, or 0 when unknown.
    std::variant<std::unique_ptr<UploadTicket>, http::HttpError> admit(const QString &account,
                                                                       qint64 declared);

    int inFlight() const { return m_inFlight; }
    int inFlight(const QString &account) const { return m_perAccount.value(account); }
    qint64 reservedBytes() const { return m_reserved; }

private:
    friend class UploadTicket;
    std::optional<http::HttpError> budgetFor(qint64 extra) const;
    std::optional<http::HttpError> roomFor(qint64 extra) const;
    void release(const QString &account, qint64 reserved);

    std::shared_ptr<UploadGate *> m_self;
    config::Limits m_limits;
    qint64 m_freeDisk = -1;
    int m_inFlight = 0;
    QHash<QString, int> m_perAccount;
    qint64 m_reserved = 0;
};

} // namespace sluice::upload
