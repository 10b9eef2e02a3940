// A runtime started the way `ackhook --config FILE` starts one: the real command line and config
// file reader (ackhook_cli), then TestSupport::startRuntime. For the suites that link ackhook_cli.
#pragma once

#include "commandline.h"
#include "runtime.h"
#include "testsupport.h"

#include <QDir>

namespace TestSupport {

// Null with *error when the file does not parse or the runtime does not start; *endpoints (when
// given) is the number of endpoints the file declared.
inline std::unique_ptr<Runtime> startRuntimeFromConfigFile(const QString &configFile, const QString &dataDir,
    std::chrono::milliseconds ackTimeout, QString *error, qsizetype *endpoints = nullptr)
{
    const CommandLine cli = CommandLine::parse({ QStringLiteral("ackhook"), QStringLiteral("--config"), configFile });
    if (cli.action != CommandLine::Action::Run) {
        *error = cli.message;
        return {};
    }
    if (endpoints)
        *endpoints = cli.runtime.gateway.endpoints.size();
    if (!QDir().mkpath(dataDir)) {
        *error = QStringLiteral("cannot create ") + dataDir;
        return {};
    }
    return startRuntime(cli.runtime, dataDir, ackTimeout, error);
}

} // namespace TestSupport
