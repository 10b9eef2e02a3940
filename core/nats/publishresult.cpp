// Names of failure reasons as they appear in JSON answers, logs and metrics.
#include "nats/publishresult.h"
#include "enumnames.h"

QString failureReasonName(FailureReason reason)
{
    static constexpr EnumName<FailureReason> names[] = { { FailureReason::None, "" },
        { FailureReason::Disconnected, "disconnected" }, { FailureReason::Timeout, "timeout" },
        { FailureReason::Nack, "nack" }, { FailureReason::NoStream, "no_stream" },
        { FailureReason::Overloaded, "overloaded" }, { FailureReason::ShuttingDown, "shutting_down" },
        { FailureReason::PublishError, "publish_error" },
        { FailureReason::SpoolFull, "spool_full" }, { FailureReason::SpoolError, "spool_error" } };
    return enumName(names, reason, QStringLiteral("unknown"));
}

QList<FailureReason> failureReasons()
{
    // The enum counts up from None without gaps; the first value without a name ends it.
    QList<FailureReason> reasons;
    for (int value = static_cast<int>(FailureReason::None) + 1;; ++value) {
        const auto reason = static_cast<FailureReason>(value);
        if (failureReasonName(reason) == QLatin1String("unknown"))
            return reasons;
        reasons.append(reason);
    }
}
