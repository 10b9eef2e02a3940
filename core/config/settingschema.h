// SettingSchema: the numeric settings, each declared once — flag, config key, unit, bounds and help —
// and read from there by the command line (its option, --help and its bounds message) and by the
// config file's key tables (the same bounds), so the two cannot drift apart.
#pragma once

#include "nats/streamsettings.h"

#include <QtGlobal>

#include <limits>

// A setting that is a flag and a config file key, beyond the numeric ones: its names and its help
// declared once; its type and checks live with its readers (config/configkeys.cpp, FlagGroups).
struct Setting {
    const char *flag; // --listen, ACKHOOK_LISTEN (CommandLine::environmentName)
    const char *key; // its config file key, in section
    const char *section; // "server", "nats", "stream"
    const char *valueName; // in --help: "HOST:PORT"; nullptr: a switch
    const char *help; // the flag's --help line
};

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

inline constexpr Setting Listen { "listen", "listen", "server", "HOST:PORT",
    "Webhook listener address (default 127.0.0.1:12000)." };
inline constexpr Setting TlsCertFile { "tls-cert-file", "tls_cert_file", "server", "FILE",
    "Serve the webhook listener over HTTPS with this certificate chain (PEM, leaf first); needs --tls-key-file. A "
    "renewed file is used for new connections without a restart." };
inline constexpr Setting TlsKeyFile { "tls-key-file", "tls_key_file", "server", "FILE",
    "Private key (PEM, unencrypted, mode 600) of --tls-cert-file." };
inline constexpr Setting NatsUrl { "nats-url", "url", "nats", "URL",
    "NATS server URL(s), comma separated; no embedded server is started." };
inline constexpr Setting NatsCreds { "nats-creds", "credentials_file", "nats", "FILE",
    "NATS credentials file (user JWT and NKey seed, as nsc writes it); or NATS_CREDS." };
inline constexpr Setting NatsNkey { "nats-nkey", "nkey_file", "nats", "FILE",
    "NATS NKey user seed file (SU...); or NATS_NKEY." };
inline constexpr Setting NatsUser { "nats-user", "user", "nats", "USER",
    "NATS user; the password from --nats-password-file or NATS_PASSWORD. Or NATS_USER." };
inline constexpr Setting NatsPasswordFile { "nats-password-file", "password_file", "nats", "FILE",
    "File holding the NATS password (one line)." };
inline constexpr Setting NatsTokenFile { "nats-token-file", "token_file", "nats", "FILE",
    "File holding the NATS token (one line); or NATS_TOKEN." };
inline constexpr Setting NatsTls { "nats-tls", "tls", "nats", nullptr,
    "Require TLS to NATS (also implied by tls:// URLs and the other --nats-tls-* options)." };
inline constexpr Setting NatsTlsCa { "nats-tls-ca", "tls_ca_file", "nats", "FILE",
    "CA certificates (PEM) that sign the NATS server's certificate; or NATS_CA." };
inline constexpr Setting NatsTlsCert { "nats-tls-cert", "tls_cert_file", "nats", "FILE",
    "Client certificate (PEM) for mutual TLS, with --nats-tls-key; or NATS_CERT." };
inline constexpr Setting NatsTlsKey { "nats-tls-key", "tls_key_file", "nats", "FILE",
    "Private key (PEM) of --nats-tls-cert; or NATS_KEY." };
inline constexpr Setting NatsTlsHostname { "nats-tls-hostname", "tls_hostname", "nats", "NAME",
    "Name the NATS server's certificate must carry (default: the host of the URLs)." };
inline constexpr Setting StreamName { "stream", "name", "stream", "NAME",
    "JetStream stream, created if missing (default EVENTS)." };
inline constexpr Setting AdminListen { "admin-listen", "admin_listen", "server", "HOST:PORT",
    "Admin API address (default 127.0.0.1:12001); a non-loopback address needs --admin-token." };
inline constexpr Setting AdminAllowedHost { "admin-allowed-host", "admin_allowed_hosts", "server", "NAME[:PORT]",
    "Also answer admin requests whose Host is NAME (any port) or NAME:PORT, e.g. a reverse proxy's name; repeatable or "
    "comma separated (default: the listener's own names)." };
inline constexpr Setting FaultProxy { "fault-proxy", "fault_proxy", "server", nullptr,
    "Put the fault proxy between ackhook and NATS (simulated outages). On by default with the embedded server and in "
    "the window; headless against an external NATS only with this flag." };
inline constexpr Setting AutoReplay { "auto-replay", "auto_replay", "server", nullptr,
    "Replay the pending failed events whenever NATS (re)connects." };
inline constexpr Setting Headless { "headless", "headless", "server", nullptr, "Run without a window; log to stdout." };
inline constexpr Setting LogFormat { "log-format", "log_format", "server", "FORMAT",
    "Log lines as text (key=value) or json (one object per line); default text." };

} // namespace SettingSchema
