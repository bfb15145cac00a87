#include "tmpfsmount.h"

#include <QFile>

#include <cerrno>
#include <cstring>

#include <sys/mount.h>

using namespace Qt::StringLiterals;

namespace sluice::test {

TmpfsMount::TmpfsMount(const QString &path, qint64 bytes)
    : m_path(path)
{
    const QByteArray options = "size=" + QByteArray::number(bytes);
    if (::mount("tmpfs", QFile::encodeName(path).constData(), "tmpfs", MS_NOSUID | MS_NODEV,
                options.constData())
        == 0) {
        m_mounted = true;
        return;
    }
    m_error = u"cannot mount a tmpfs of %1 bytes on %2: %3"_s.arg(bytes).arg(
        path, QString::fromLocal8Bit(std::strerror(errno)));
}

TmpfsMount::~TmpfsMount()
{
    if (m_mounted)
        ::umount2(QFile::encodeName(m_path).constData(), MNT_DETACH);
}

} // namespace sluice::test
