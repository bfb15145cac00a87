#pragma once

#include <QHash>
#include <QMutex>
#include <QString>

#include <memory>

namespace sluice::upload {

// The temp files that live requests own, so that the sweeper leaves them
// alone however long they sit unchanged: a finished file part waits for the
// rest of its form, which may trickle in for longer than temp_file_ttl_ms.
// Thread-safe: writers register on the HTTP and I/O threads, the store sweeps
// and releases on its own.
class TempFileRegistry final : public std::enable_shared_from_this<TempFileRegistry>
{
public:
    // The file is live while a copy of its lease exists.
    using Lease = std::shared_ptr<const void>;

    Lease lease(const QString &path);
    bool isLive(const QString &path) const;

private:
    static QString key(const QString &path);
    void release(const QString &key);

    mutable QMutex m_mutex;
    QHash<QString, int> m_live; // a name can be leased twice: unlinked, then reused
};

} // namespace sluice::upload
