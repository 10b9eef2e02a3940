// LossyMount: the suites' way to LossyStore.
#include "lossymount.h"

namespace TestSupport {

QString lossyfsBinary()
{
    return qEnvironmentVariable("LOSSYFS_BINARY");
}

QString fuseUnusableReason()
{
    if (QString why = LossyStore::fuseUnusableReason(); !why.isEmpty())
        return why;
    if (lossyfsBinary().isEmpty())
        return QStringLiteral("LOSSYFS_BINARY is not set (ctest sets it)");
    return {};
}

} // namespace TestSupport
