// ackhook entry point: command line, then a Runtime (embedded nats-server, fault proxy, gateway
// thread, admin API) driven headless; signals shut it down gracefully.
#include "commandline.h"
#include "headlessreporter.h"
#include "runtime.h"
#include "unixsignalwatcher.h"

#ifdef ACKHOOK_HAVE_UI
#include "displaycheck.h"
#endif

#include <QCoreApplication>
#include <QDir>

#include <cstdio>

#include <nats/nats.h>

namespace {

int run(int argc, char *argv[])
{
    qSetMessagePattern(QStringLiteral("%{time yyyy-MM-ddThh:mm:ss.zzz} %{if-warning}warning: %{endif}"
                                      "%{if-critical}error: %{endif}%{category}: %{message}"));
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("ackhook"));
    QCoreApplication::setApplicationVersion(QStringLiteral(ACKHOOK_VERSION));

    CommandLine cli = CommandLine::parse(QCoreApplication::arguments());
    switch (cli.action) {
    case CommandLine::Action::Help:
    case CommandLine::Action::Version:
        std::fputs(qPrintable(cli.message + QLatin1Char('\n')), stdout);
        return 0;
    case CommandLine::Action::Error:
        std::fprintf(stderr, "ackhook: %s\nTry 'ackhook --help'.\n", qPrintable(cli.message));
        return 2;
    case CommandLine::Action::Run:
        break;
    }

    if (!cli.headless) {
#ifdef ACKHOOK_HAVE_UI
        QString why;
        if (!DisplayCheck::canShowWindow(&why)) {
            std::fprintf(stderr, "ackhook: %s.\nRun it headless instead: ackhook --headless\n", qPrintable(why));
            return 2;
        }
#endif
        std::fputs("ackhook: the monitor window is not built yet; run 'ackhook --headless'.\n", stderr);
        return 2;
    }

    // Before anything starts: a signal during start-up is then handled (once the loop runs), not fatal.
    UnixSignalWatcher signalWatcher;

    if (!QDir().mkpath(cli.runtime.dataDir)) {
        std::fprintf(stderr, "ackhook: cannot create the data directory %s\n", qPrintable(cli.runtime.dataDir));
        return 1;
    }

    Runtime runtime(cli.runtime);
    QString error;
    if (!runtime.start(&error)) {
        std::fprintf(stderr, "ackhook: %s\n", qPrintable(error));
        return 1;
    }
    const GatewayConfig &gateway = cli.runtime.gateway;
    std::printf("ackhook %s listening on http://%s:%u/webhook, NATS %s%s, stream %s, admin http://%s:%u/api/status\n",
        ACKHOOK_VERSION, qPrintable(gateway.listenAddress.toString()), runtime.webhookPort(),
        qPrintable(runtime.upstreamUrls().join(QLatin1Char(','))), runtime.isEmbedded() ? " (embedded)" : "",
        qPrintable(gateway.stream), qPrintable(cli.runtime.adminAddress.toString()), runtime.adminPort());
    if (runtime.faultProxy()->mode() != OutageSettings::Mode::Off)
        std::printf("simulated outage: %s\n", qPrintable(OutageSettings::modeName(runtime.faultProxy()->mode())));
    std::fflush(stdout);

    HeadlessReporter reporter(runtime.gateway(), stdout);
    QObject::connect(runtime.gatewayHost(), &GatewayHost::recordsReady, &reporter, &HeadlessReporter::writeRecords);

    int signalsSeen = 0;
    QObject::connect(&signalWatcher, &UnixSignalWatcher::signalReceived, &app, [&](int signalNumber) {
        if (++signalsSeen > 1) {
            std::fputs("ackhook: second signal, exiting without waiting\n", stderr);
            std::_Exit(128 + signalNumber);
        }
        std::fprintf(stderr, "ackhook: signal %d, answering %d requests in flight, then exiting\n", signalNumber,
            runtime.gateway() ? runtime.gateway()->inFlight() : 0);
        runtime.shutdown();
    });
    QObject::connect(&runtime, &Runtime::stopped, &app, &QCoreApplication::quit);
    return QCoreApplication::exec();
}

} // namespace

int main(int argc, char *argv[])
{
    const int code = run(argc, argv);
    nats_Close(); // cnats' global threads and pools, after every connection is gone
    return code;
}
