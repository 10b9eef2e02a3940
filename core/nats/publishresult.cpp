// Names of failure reasons as they appear in JSON answers, logs and metrics.
#include "nats/publishresult.h"

QString failureReasonName(FailureReason reason)
{
    switch (reason) {
    case FailureReason::None:
        return {};
    case FailureReason::Disconnected:
        return QStringLiteral("disconnected");
    case FailureReason::Timeout:
        return QStringLiteral("timeout");
    case FailureReason::Nack:
        return QStringLiteral("nack");
    case FailureReason::NoResponders:
        return QStringLiteral("no_responders");
    case FailureReason::Overloaded:
        return QStringLiteral("overloaded");
    case FailureReason::ShuttingDown:
        return QStringLiteral("shutting_down");
    case FailureReason::PublishError:
        return QStringLiteral("publish_error");
    }
    return QStringLiteral("unknown");
}
