// FlagGroups: CommandLine::parse's flags read topic by topic into the CommandLine — the webhook
// listener, NATS, the admin API, the lab's scenario, webhook authentication, the numeric settings.
// Each returns its first problem ("--flag …"), empty when all is well; parse adds which environment
// variable set the flag, and calls them in this order (an error names the first problem found).
#pragma once

#include <QString>

class QCommandLineParser;
struct CommandLine;
struct CommandLineOptions;

namespace FlagGroups {

// --listen and HTTPS on the webhook listener.
QString readListener(const QCommandLineParser &parser, const CommandLineOptions &flags, CommandLine &result);
// --nats-url, NATS credentials and TLS, --stream.
QString readNats(const QCommandLineParser &parser, const CommandLineOptions &flags, CommandLine &result);
// The admin API: --admin-listen, --admin-allowed-host and its token.
QString readAdmin(const QCommandLineParser &parser, const CommandLineOptions &flags, CommandLine &result);
// --scenario and its options: the lab's run, headless, one endpoint per policy.
QString readScenario(const QCommandLineParser &parser, const CommandLineOptions &flags, CommandLine &result);
// --auth-token, --hmac-secret (or their variables) and --signature-header.
QString readWebhookAuth(const QCommandLineParser &parser, const CommandLineOptions &flags, CommandLine &result);
// Numeric flags: counts, durations (with a unit, or plain milliseconds) and sizes (with a unit, or
// plain bytes), each within the bounds SettingSchema gives the config file's keys too, parsed by
// the same code as the config file's.
QString readNumeric(const QCommandLineParser &parser, const CommandLineOptions &flags, CommandLine &result);

} // namespace FlagGroups
