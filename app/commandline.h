// CommandLine: the stable ackhook flags (docs/DESIGN.md §8) parsed into a GatewayConfig.
#pragma once

#include "logsink.h"
#include "runtime.h"

#include <QString>
#include <QStringList>

#include <optional>

struct CommandLine {
    enum class Action { Run, Help, Version, CheckConfig, Error };

    Action action = Action::Run;
    QString message; // help text, version, the --check-config summary, or the error
    bool headless = false;
    LogSink::Format logFormat = LogSink::Format::Text;
    QStringList warnings; // for the log, once it is set up (e.g. a listener open to the network without auth)
    RuntimeConfig runtime; // runtime.gateway.natsUrls empty: start the embedded nats-server
    QString scenario; // --scenario NAME: run the lab's scenario headless, print its summary, exit
    int scenarioSeconds = 10; // --scenario-seconds N: each phase (steady, outage, recovered)
    std::optional<quint32> scenarioSeed; // --scenario-seed N: the traffic's seed (empty: a random one)
    QString scenarioChart; // --scenario-chart FILE: the chart as PNG too (needs the window's libraries)

    // arguments[0] is the program. --config FILE (TOML, see core/config/configfile.h) is applied
    // first, then the environment, then the flags on the command line: every flag --some-name can be
    // given as ACKHOOK_SOME_NAME (environmentName()), so secrets stay out of argv and `ps`; NATS_URL
    // is --nats-url too, below ACKHOOK_NATS_URL. --check-config FILE validates a file.
    static CommandLine parse(const QStringList &arguments);
    static QString environmentName(const QString &flag); // "admin-token-file" → "ACKHOOK_ADMIN_TOKEN_FILE"
    // A legacy --config file ending in .json: one JSON object whose keys are long flag names without "--" and whose values
    // are strings, integers, true (a switch that is on) or false; nats-url may be a list.
    static std::optional<QStringList> configArguments(const QByteArray &json, QString *error);
    static QString defaultDataDir();
};
