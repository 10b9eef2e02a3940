// DispatchPolicy: when an endpoint answers a webhook (docs/DESIGN.md §10): after the PubAck, after
// a local fsync (spool), or at once (fire-and-forget, the pre-fix bug, for demonstrations only).
#pragma once

#include <QString>
#include <QStringList>

#include <optional>

enum class DispatchPolicy {
    Ack, // 200 only after the JetStream PubAck (the default; the contract of docs/DESIGN.md §1)
    FireAndForget, // 200 once the request is read; published in the background, failures only logged
    Spool, // 202 once the event is committed to the local spool; forwarded to JetStream later
};
inline constexpr int DispatchPolicyCount = 3;

QString dispatchPolicyName(DispatchPolicy policy);
std::optional<DispatchPolicy> dispatchPolicyFromName(QStringView name);
QStringList dispatchPolicyNames();
