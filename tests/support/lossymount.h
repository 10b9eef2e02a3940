// LossyMount: the lab's LossyStore (core/lab/lossystore.h) on the lossyfs this build made
// (tests/support/lossyfs, $LOSSYFS_BINARY set by CMake for every suite): held-back unsynced writes,
// a power cut on command, unmount and remount over the same backing directory; killed by PID.
#pragma once

#include "lab/lossystore.h"

#include <QString>

namespace TestSupport {

QString lossyfsBinary(); // $LOSSYFS_BINARY, set by CMake for every suite
// Why FUSE cannot be used here (empty when it can): no /dev/fuse, no fusermount3, no lossyfs built.
QString fuseUnusableReason();

class LossyMount : public LossyStore {
public:
    // backing and mountPoint are created if missing; nothing is mounted until mount().
    LossyMount(QString backing, QString mountPoint)
        : LossyStore(std::move(backing), std::move(mountPoint), lossyfsBinary())
    {
    }
};

} // namespace TestSupport
