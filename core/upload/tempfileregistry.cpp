#include "upload/tempfileregistry.h"

#include <QDir>
#include <QFileInfo>

namespace sluice::upload {

QString TempFileRegistry::key(const QString &path)
{
    return QDir::cleanPath(QFileInfo(path).absoluteFilePath());
}

TempFileRegistry::Lease TempFileRegistry::lease(const QString &path)
{
    QString k = key(path);
    {
        QMutexLocker lock(&m_mutex);
        ++m_live[k];
    }
    // The lease keeps the registry alive: it may be the last thing to go.
    return Lease(this,
                 [self = shared_from_this(), k = std::move(k)](const void *) { self->release(k); });
}

bool TempFileRegistry::isLive(const QString &path) const
{
    const QString k = key(path);
    QMutexLocker lock(&m_mutex);
    return m_live.contains(k);
}

void TempFileRegistry::release(const QString &key)
{
    QMutexLocker lock(&m_mutex);
    auto it = m_live.find(key);
    if (it != m_live.end() && --*it <= 0)
        m_live.erase(it);
}

} // namespace sluice::upload
