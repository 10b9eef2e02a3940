// ackhook entry point: command line, embedded nats-server, the gateway thread, signals.
#include "commandline.h"
#include "embeddednats.h"
#include "gateway.h"
#include "headlessreporter.h"
#include "unixsignalwatcher.h"

#ifdef ACKHOOK_HAVE_UI
#include "displaycheck.h"
#endif

#include <QCoreApplication>
#include <QDir>

#include <cstdio>
#include <memory>

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

    if (!QDir().mkpath(cli.dataDir)) {
        std::fprintf(stderr, "ackhook: cannot create the data directory %s\n", qPrintable(cli.dataDir));
        return 1;
    }

    std::unique_ptr<EmbeddedNats> embedded;
    if (cli.gateway.natsUrls.isEmpty()) {
        EmbeddedNats::Options options;
        options.dataDir = cli.dataDir;
        embedded = std::make_unique<EmbeddedNats>(options);
        QString error;
        if (!embedded->start(&error)) {
            std::fprintf(stderr, "ackhook: cannot start the embedded NATS server: %s\n", qPrintable(error));
            return 1;
        }
        cli.gateway.natsUrls = { embedded->url() };
        QObject::connect(embedded.get(), &EmbeddedNats::exitedUnexpectedly, [](int code) {
            std::fprintf(stderr, "ackhook: the embedded nats-server exited (code %d); webhooks are answered 500\n", code);
        });
    }

    GatewayHost host(cli.gateway);
    QString error;
    if (!host.start(&error)) {
        std::fprintf(stderr, "ackhook: %s\n", qPrintable(error));
        return 1;
    }
    std::printf("ackhook %s listening on http://%s:%u/webhook, NATS %s%s, stream %s\n", ACKHOOK_VERSION,
        qPrintable(cli.gateway.listenAddress.toString()), host.port(), qPrintable(cli.gateway.natsUrls.join(QLatin1Char(','))),
        embedded ? " (embedded)" : "", qPrintable(cli.gateway.stream));
    std::fflush(stdout);

    HeadlessReporter reporter(host.gateway(), stdout);
    QObject::connect(&host, &GatewayHost::recordsReady, &reporter, &HeadlessReporter::writeRecords);

    int signalsSeen = 0;
    QObject::connect(&signalWatcher, &UnixSignalWatcher::signalReceived, &app, [&](int signalNumber) {
        if (++signalsSeen > 1) {
            std::fputs("ackhook: second signal, exiting without waiting\n", stderr);
            std::_Exit(128 + signalNumber);
        }
        std::fprintf(stderr, "ackhook: signal %d, answering %d requests in flight, then exiting\n", signalNumber,
            host.gateway()->inFlight());
        host.shutdown();
    });
    QObject::connect(&host, &GatewayHost::stopped, &app, [&] {
        if (embedded)
            embedded->stop();
        QCoreApplication::quit();
    });
    return QCoreApplication::exec();
}

} // namespace

int main(int argc, char *argv[])
{
    const int code = run(argc, argv);
    nats_Close(); // cnats' global threads and pools, after every connection is gone
    return code;
}
