#pragma once

#include <QHash>
#include <QMutex>
#include <QString>

namespace sluice::upload {

// Bytes of stored uploads per account id: written by the upload store's
// thread as it stores and deletes, read by the upload gate on the HTTP
// thread to keep each account within max_account_stored_upload_bytes and
// its share of the disk.
class StoredBytes
{
public:
    void reset(QHash<QString, qint64> byAccount)
    {
        QMutexLocker lock(&m_mutex);
        m_byAccount = std::move(byAccount);
        m_total = 0;
        for (const qint64 bytes : std::as_const(m_byAccount))
            m_total += bytes;
    }
    void add(const QString &account, qint64 bytes)
    {
        QMutexLocker lock(&m_mutex);
        qint64 &held = m_byAccount[account];
        held += bytes;
        m_total += bytes;
        if (held <= 0)
            m_byAccount.remove(account);
    }
    qint64 of(const QString &account) const
    {
        QMutexLocker lock(&m_mutex);
        return m_byAccount.value(account);
    }
    qint64 total() const
    {
        QMutexLocker lock(&m_mutex);
        return m_total;
    }

private:
    mutable QMutex m_mutex;
    QHash<QString, qint64> m_byAccount;
    qint64 m_total = 0;
};

} // namespace sluice::upload
