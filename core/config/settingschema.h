// SettingSchema: the numeric settings, each declared once — flag, config key, unit, bounds and help —
// and read from there by the command line (its option, --help and its bounds message) and by the
// config file's key tables (the same bounds), so the two cannot drift apart.
#pragma once

#include "nats/streamsettings.h"

#include <QtGlobal>

#include <limits>

struct NumericSetting {
    enum class Unit {
        Count, // a plain positive integer
        Duration, // "250ms", "5s", "2m", "1h"; a plain number is milliseconds
        Size, // "512KiB", "1MiB"; a plain number is bytes
    };

    const char *flag; // "ack-timeout": --ack-timeout, ACKHOOK_ACK_TIMEOUT (CommandLine::environmentName)
    const char *key; // its config file key, in section
    const char *section; // "server", "stream", "endpoint"
    Unit unit;
    qint64 min;
    qint64 max; // in the unit's base: a count, milliseconds, bytes
    const char *valueName; // in --help: "DURATION"
    const char *help; // the flag's --help line
    const char *expects; // the flag's refusal: "--ack-timeout expects " + this
};

namespace SettingSchema {

inline constexpr qint64 Unbounded = std::numeric_limits<qint64>::max();

inline constexpr NumericSetting AckTimeout { "ack-timeout", "ack_timeout", "server", NumericSetting::Unit::Duration, 1,
    600000, "DURATION", "How long to wait for the PubAck before answering 500 (default 5s).",
    "a duration from 1ms to 10m" };
inline constexpr NumericSetting IdleTimeout { "idle-timeout", "idle_timeout", "server", NumericSetting::Unit::Duration,
    1, 24 * 3600000LL, "DURATION", "Close keep-alive connections idle this long (default 30s).",
    "a duration from 1ms to 24h" };
inline constexpr NumericSetting MaxInflight { "max-inflight", "max_inflight", "server", NumericSetting::Unit::Count, 1,
    1000000, "N", "Dispatches waiting for their PubAck before answering 429 (default 4096).",
    "a count between 1 and 1000000" };
// The flag and [server] max_body; an endpoint's max_body has the same bound.
inline constexpr NumericSetting MaxPayload { "max-payload", "max_body", "server", NumericSetting::Unit::Size, 1,
    64 * 1024 * 1024, "SIZE", "Largest accepted body; larger ones get 413 (default 1MiB).",
    "a size from 1 byte to 64MiB (NATS' own limit is lower by default: 1MiB)" };
inline constexpr NumericSetting FailedMaxRecords { "failed-max-records", "failed_max_records", "server",
    NumericSetting::Unit::Count, 1, 100000000, "N", "Failed-event queue bound in records (default 100000).",
    "a count between 1 and 100000000" };
inline constexpr NumericSetting FailedMaxBytes { "failed-max-bytes", "failed_max_bytes", "server",
    NumericSetting::Unit::Size, 1, Unbounded, "SIZE", "Failed-event queue bound in body bytes (default 256MiB).",
    "a positive size" };
static_assert(StreamSettings::MaxReplicas == 5, "--stream-replicas' help and message say 1 to 5");
inline constexpr NumericSetting StreamReplicas { "stream-replicas", "replicas", "stream", NumericSetting::Unit::Count,
    1, StreamSettings::MaxReplicas, "N",
    "Replicas of the stream when ackhook creates it, 1 to 5 (default 1; a cluster needs as many servers).",
    "a count between 1 and 5" };

} // namespace SettingSchema
