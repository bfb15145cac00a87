#include "util/threadpriority.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace sluice {

void runAsBulkWork()
{
    static thread_local bool lowered = false;
    if (lowered)
        return;
    lowered = true;
    // On Linux, PRIO_PROCESS with a thread id sets that thread's nice value.
    // Failing is harmless (the thread only keeps its priority), so it is not
    // reported.
    const auto tid = static_cast<id_t>(::syscall(SYS_gettid));
    const int current = ::getpriority(PRIO_PROCESS, tid);
    if (current < BulkWorkNice)
        ::setpriority(PRIO_PROCESS, tid, BulkWorkNice);
}

} // namespace sluice
