#include "upload/uploadgate.h"

using namespace Qt::StringLiterals;

namespace sluice::upload {

UploadTicket::UploadTicket(std::shared_ptr<UploadGate *> gate, QString account, qint64 reserved)
    : m_gate(std::move(gate))
    , m_account(std::move(account))
    , m_reserved(reserved)
{ }

UploadTicket::~UploadTicket()
{
    if (*m_gate)
        (*m_gate)->release(m_account, m_reserved);
}

std::optional<http::HttpError> UploadTicket::growTo(qint64 total)
{
    if (total <= m_reserved || !*m_gate)
        return std::nullopt;
    if (auto refused = (*m_gate)->budgetFor(total - m_reserved))
        return refused;
    (*m_gate)->m_reserved += total - m_reserved;
    m_reserved = total;
    return std::nullopt;
}

UploadGate::UploadGate()
    : m_self(std::make_shared<UploadGate *>(this))
{ }

UploadGate::~UploadGate()
{
    *m_self = nullptr;
}

std::optional<http::HttpError> UploadGate::budgetFor(qint64 extra) const
{
    if (m_reserved + extra > m_limits.maxUploadTempBytes)
        return http::HttpError::limitExceeded(
            507,
            u"uploads in flight would hold %1 bytes in the temp folder, more than "
            "max_upload_temp_bytes"_s.arg(m_reserved + extra),
            u"max_upload_temp_bytes"_s, m_limits.maxUploadTempBytes);
    return std::nullopt;
}

// At admission only: the reading already counts what uploads in flight have
// written, so their reservations make this conservative. A body of unknown
// length that outgrows the disk meets ENOSPC, answered 507 as well.
std::optional<http::HttpError> UploadGate::roomFor(qint64 extra) const
{
    if (auto refused = budgetFor(extra))
        return refused;
    // Keep min_free_disk_bytes free once every reservation is written.
    if (m_freeDisk >= 0 && m_freeDisk - m_reserved - extra < m_limits.minFreeDiskBytes)
        return http::HttpError::limitExceeded(
            507,
            u"not enough free disk: %1 bytes free, %2 reserved by uploads in flight, %3 more "
            "needed, and min_free_disk_bytes must stay free"_s.arg(m_freeDisk)
                .arg(m_reserved)
                .arg(extra),
            u"min_free_disk_bytes"_s, m_limits.minFreeDiskBytes);
    return std::nullopt;
}

std::variant<std::unique_ptr<UploadTicket>, http::HttpError>
UploadGate::admit(const QString &account, qint64 declared)
{
    if (declared > m_limits.maxUploadBytes)
        return http::HttpError::limitExceeded(
            413, u"the body has %1 bytes, more than max_upload_bytes"_s.arg(declared),
            u"max_upload_bytes"_s, m_limits.maxUploadBytes);
    if (m_perAccount.value(account) >= m_limits.maxUploadsPerAccount)
        return http::HttpError::limitExceeded(
            429,
            u"account %1 already has %2 uploads in flight"_s.arg(account).arg(
                m_perAccount.value(account)),
            u"max_uploads_per_account"_s, m_limits.maxUploadsPerAccount);
    if (m_inFlight >= m_limits.maxConcurrentUploads)
        return http::HttpError::limitExceeded(503, u"%1 uploads are in flight"_s.arg(m_inFlight),
                                              u"max_concurrent_uploads"_s,
                                              m_limits.maxConcurrentUploads);
    if (auto refused = roomFor(declared))
        return *refused;
    ++m_inFlight;
    ++m_perAccount[account];
    m_reserved += declared;
    return std::unique_ptr<UploadTicket>(new UploadTicket(m_self, account, declared));
}

void UploadGate::release(const QString &account, qint64 reserved)
{
    --m_inFlight;
    if (--m_perAccount[account] <= 0)
        m_perAccount.remove(account);
    m_reserved -= reserved;
}

} // namespace sluice::upload
