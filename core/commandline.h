// CommandLine: the stable ackhook flags (DESIGN.md section 8) parsed into a GatewayConfig.
#pragma once

#include "runtime.h"

#include <QString>
#include <QStringList>

struct CommandLine {
    enum class Action { Run, Help, Version, Error };

    Action action = Action::Run;
    QString message; // help text, version, or the error
    bool headless = false;
    RuntimeConfig runtime; // runtime.gateway.natsUrls empty: start the embedded nats-server

    static CommandLine parse(const QStringList &arguments);
    static QString defaultDataDir();
};
