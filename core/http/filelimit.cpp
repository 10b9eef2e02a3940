// raiseFileLimitToHard: setrlimit(RLIMIT_NOFILE) soft = hard.
#include "http/filelimit.h"

#include <sys/resource.h>

FileLimit raiseFileLimitToHard()
{
    FileLimit result;
    rlimit limit {};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0)
        return result;
    result.before = limit.rlim_cur;
    result.hard = limit.rlim_max;
    result.soft = limit.rlim_cur;
    if (limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &limit) != 0)
            return result;
        result.soft = limit.rlim_cur;
    }
    result.ok = true;
    return result;
}
