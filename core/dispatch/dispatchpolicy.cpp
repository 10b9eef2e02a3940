// DispatchPolicy names, as written in the config file, flags, JSON and metrics.
#include "dispatch/dispatchpolicy.h"
#include "enumnames.h"

namespace {
constexpr EnumName<DispatchPolicy> Names[] = { { DispatchPolicy::Ack, "ack" },
    { DispatchPolicy::FireAndForget, "fire-and-forget" }, { DispatchPolicy::Spool, "spool" } };
}

QString dispatchPolicyName(DispatchPolicy policy)
{
    return enumName(Names, policy);
}

std::optional<DispatchPolicy> dispatchPolicyFromName(QStringView name)
{
    return enumFromName(Names, name);
}

QStringList dispatchPolicyNames()
{
    return enumNames(Names);
}
