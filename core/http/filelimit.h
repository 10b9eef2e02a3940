// The process' open-file limit: every connection is a file, so ackhook raises the soft limit to the
// hard one at start (a systemd unit's default soft limit, 1,024, is far below the listeners' caps).
#pragma once

#include <QtGlobal>

struct FileLimit {
    quint64 before = 0; // soft limit found
    quint64 soft = 0; // soft limit now
    quint64 hard = 0;
    bool ok = false; // false: getrlimit/setrlimit failed (the limit is left as it was)
};

FileLimit raiseFileLimitToHard();
