// Names of failure reasons as they appear in JSON answers, logs and metrics.
#include "nats/publishresult.h"
#include "enumnames.h"

QString failureReasonName(FailureReason reason)
{
    static constexpr EnumName<FailureReason> names[] = { { FailureReason::None, "" },
        { FailureReason::Disconnected, "disconnected" }, { FailureReason::Timeout, "timeout" },
        { FailureReason::Nack, "nack" }, { FailureReason::NoResponders, "no_responders" },
        { FailureReason::Overloaded, "overloaded" }, { FailureReason::ShuttingDown, "shutting_down" },
        { FailureReason::PublishError, "publish_error" },
        { FailureReason::SpoolFull, "spool_full" }, { FailureReason::SpoolError, "spool_error" } };
    return enumName(names, reason, QStringLiteral("unknown"));
}
