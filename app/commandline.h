// CommandLine: the stable ackhook flags (docs/DESIGN.md §8) parsed into a GatewayConfig.
#pragma once

#include "runtime.h"

#include <QString>
#include <QStringList>

#include <optional>

struct CommandLine {
    enum class Action { Run, Help, Version, CheckConfig, Error };

    Action action = Action::Run;
    QString message; // help text, version, the --check-config summary, or the error
    bool headless = false;
    RuntimeConfig runtime; // runtime.gateway.natsUrls empty: start the embedded nats-server
    QString scenario; // --scenario NAME: run the lab's scenario headless, print its summary, exit
    int scenarioSeconds = 10; // --scenario-seconds N: each phase (steady, outage, recovered)

    // arguments[0] is the program. --config FILE (TOML, see core/config/configfile.h) is applied
    // first, then NATS_URL, then the flags on the command line. Secrets may come from the environment
    // instead of argv (ACKHOOK_AUTH_TOKEN, ACKHOOK_HMAC_SECRET). --check-config FILE validates a file.
    static CommandLine parse(const QStringList &arguments);
    // A legacy --config file ending in .json: one JSON object whose keys are long flag names without "--" and whose values
    // are strings, integers, true (a switch that is on) or false; nats-url may be a list.
    static std::optional<QStringList> configArguments(const QByteArray &json, QString *error);
    static QString defaultDataDir();
};
