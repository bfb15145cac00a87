#include "http/descriptorbudget.h"

#include <algorithm>

#include <cerrno>

#include <dirent.h>
#include <sys/resource.h>

namespace sluice::http {

bool DescriptorBudget::recount()
{
    m_limit = -1;
    m_free = -1;
    rlimit limit {};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY)
        return false;
    m_limit = qint64(limit.rlim_cur);
    DIR *dir = ::opendir("/proc/self/fd");
    if (!dir) {
        if (errno == EMFILE || errno == ENFILE) {
            m_free = 0; // not even one to read the directory with
            return true;
        }
        m_limit = -1; // no /proc
        return false;
    }
    qint64 open = -1; // the directory's own descriptor is listed too
    while (const dirent *entry = ::readdir(dir)) {
        if (entry->d_name[0] != '.')
            ++open;
    }
    ::closedir(dir);
    m_free = std::max<qint64>(0, m_limit - open);
    return true;
}

qint64 DescriptorBudget::reserve() const
{
    return std::clamp<qint64>(m_limit / 16, 8, 64);
}

} // namespace sluice::http
