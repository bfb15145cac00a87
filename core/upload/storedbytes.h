#pragma once

#include <QHash>
#include <QMutex>
#include <QString>

namespace sluice::upload {

// Bytes of stored uploads per account id: written by the upload store's
// thread as it stores and deletes, read by the upload gate on the HTTP
// thread to keep each account within max_account_stored_upload_bytes.
class StoredBytes
{
public:
    void reset(QHash<QString, qint64> byAccount)
    {
        QMutexLocker lock(&m_mutex);
        m_byAccount = std::move(byAccount);
    }
    void add(const QString &account, qint64 bytes)
    {
        QMutexLocker lock(&m_mutex);
        qint64 &held = m_byAccount[account];
        held += bytes;
        if (held <= 0)
            m_byAccount.remove(account);
    }
    qint64 of(const QString &account) const
    {
        QMutexLocker lock(&m_mutex);
        return m_byAccount.value(account);
    }

private:
    mutable QMutex m_mutex;
    QHash<QString, qint64> m_byAccount;
};

} // namespace sluice::upload
