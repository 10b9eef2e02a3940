// ackhook entry point: command line, then a Runtime (embedded nats-server, fault proxy, gateway
// thread, admin API) driven headless; signals shut it down gracefully.
#include "commandline.h"
#include "headlessreporter.h"
#include "nats/embeddednats.h"
#include "runtime.h"
#include "scenariorunner.h"
#include "unixsignalwatcher.h"

#ifdef ACKHOOK_HAVE_UI
#include "displaycheck.h"
#include "eventlooplagprobe.h"
#include "monitorwindow.h"

#include <QApplication>
#endif

#include <QCoreApplication>
#include <QDir>
#include <QProcess>
#include <QTimer>

#include <csignal>
#include <cstdio>
#include <memory>

#include <nats/nats.h>

namespace {

// The versions a bug report needs: Qt (built against and running), cnats, and the nats-server the
// embedded mode would start (bundled in the AppImage, else from PATH).
QString componentVersions(const QString &preferredNatsServer)
{
    QString natsServer = QStringLiteral("not found");
    QString ignored;
    if (const QString executable = EmbeddedNats::findExecutable(preferredNatsServer, &ignored); !executable.isEmpty()) {
        QProcess process;
        process.start(executable, { QStringLiteral("--version") });
        if (process.waitForFinished(5000) && process.exitStatus() == QProcess::NormalExit)
            natsServer = QString::fromLocal8Bit(process.readAllStandardOutput())
                             .trimmed()
                             .remove(QStringLiteral("nats-server: "))
                + QStringLiteral(" (") + executable + QLatin1Char(')');
        else
            natsServer = QStringLiteral("unreadable (") + executable + QLatin1Char(')');
    }
    return QStringLiteral("Qt %1 (built with %2)\ncnats %3\nnats-server: %4\n")
        .arg(QString::fromLatin1(qVersion()), QStringLiteral(QT_VERSION_STR), QString::fromLatin1(nats_GetVersion()),
            natsServer);
}

int run(int argc, char *argv[])
{
    qSetMessagePattern(QStringLiteral("%{time yyyy-MM-ddThh:mm:ss.zzz} %{if-warning}warning: %{endif}"
                                      "%{if-critical}error: %{endif}%{category}: %{message}"));
    QStringList arguments;
    for (int i = 0; i < argc; ++i)
        arguments.append(QString::fromLocal8Bit(argv[i]));
    CommandLine cli = CommandLine::parse(arguments);
    switch (cli.action) {
    case CommandLine::Action::Help:
        std::fputs(qPrintable(cli.message + QLatin1Char('\n')), stdout);
        return 0;
    case CommandLine::Action::Version: {
        const QCoreApplication app(argc, argv); // findExecutable looks next to this program
        std::fputs(
            qPrintable(cli.message + QLatin1Char('\n') + componentVersions(cli.runtime.natsServerExecutable)), stdout);
        return 0;
    }
    case CommandLine::Action::CheckConfig:
        std::fputs(qPrintable(cli.message + QLatin1Char('\n')), stdout);
        return 0;
    case CommandLine::Action::Error:
        if (arguments.contains(QLatin1String("--check-config"))) {
            std::fprintf(stderr, "ackhook: %s\n", qPrintable(cli.message));
            return 1;
        }
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
#else
        std::fputs("ackhook: built without the monitor window; run 'ackhook --headless'.\n", stderr);
        return 2;
#endif
    }

#ifdef ACKHOOK_HAVE_UI
    std::unique_ptr<QCoreApplication> application
        = cli.headless ? std::make_unique<QCoreApplication>(argc, argv) : std::make_unique<QApplication>(argc, argv);
    // Wayland compositors and task bars match the window to packaging/'s desktop entry and icon.
    QGuiApplication::setDesktopFileName(QStringLiteral("org.ackhook.ackhook"));
#else
    auto application = std::make_unique<QCoreApplication>(argc, argv);
#endif
    QCoreApplication &app = *application;
    QCoreApplication::setApplicationName(QStringLiteral("ackhook"));
    QCoreApplication::setOrganizationName(QStringLiteral("ackhook")); // settings in ~/.config/ackhook/
    QCoreApplication::setApplicationVersion(QStringLiteral(ACKHOOK_VERSION));

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
    std::printf("ackhook %s listening on %s%s, NATS %s%s, stream %s, admin %s/api/status\n", ACKHOOK_VERSION,
        qPrintable(runtime.webhookBaseUrl()),
        gateway.endpoints.isEmpty() ? "" : gateway.endpoints.constFirst().path.constData(),
        qPrintable(runtime.upstreamUrls().join(QLatin1Char(','))), runtime.isEmbedded() ? " (embedded)" : "",
        qPrintable(gateway.stream), qPrintable(httpBaseUrl(cli.runtime.adminAddress, runtime.adminPort())));
    for (const Endpoint &endpoint : gateway.endpoints) {
        std::printf("endpoint %s: %s %s -> %s (source %s, auth %s, dispatch %s)\n", endpoint.displayName().constData(),
            endpoint.methods.join(',').constData(), endpoint.path.constData(), endpoint.subject.constData(),
            endpoint.source.constData(), qPrintable(SignatureScheme::kindName(endpoint.auth.kind)),
            qPrintable(dispatchPolicyName(endpoint.dispatch.value_or(gateway.defaultPolicy))));
    }
    if (runtime.faultProxy()->mode() != OutageSettings::Mode::Off)
        std::printf("simulated outage: %s\n", qPrintable(OutageSettings::modeName(runtime.faultProxy()->mode())));
    std::fflush(stdout);

    std::unique_ptr<HeadlessReporter> reporter;
#ifdef ACKHOOK_HAVE_UI
    std::unique_ptr<MonitorWindow> window;
#endif
    std::unique_ptr<ScenarioRunner> scenario;
    int exitCode = 0;
    if (!cli.scenario.isEmpty()) {
        const QByteArray warning = HeadlessReporter::fireAndForgetWarning({ "/lab/fire-and-forget" });
        std::fwrite(warning.constData(), 1, static_cast<size_t>(warning.size()), stdout);
        ScenarioRunner::Options options;
        options.before = options.outage = options.after = std::chrono::seconds(cli.scenarioSeconds);
        scenario = std::make_unique<ScenarioRunner>(&runtime, *ScenarioRunner::find(cli.scenario), options);
        QObject::connect(scenario.get(), &ScenarioRunner::progress, [](const QString &phase) {
            std::printf("scenario: %s\n", qPrintable(phase));
            std::fflush(stdout);
        });
        QObject::connect(scenario.get(), &ScenarioRunner::finished, &runtime,
            [&](const ScenarioRunner::Summary &summary) {
                const QByteArray markdown = summary.markdown().toUtf8();
                std::fwrite(markdown.constData(), 1, static_cast<size_t>(markdown.size()), stdout);
                QFile report(QDir(cli.runtime.dataDir).filePath(QStringLiteral("scenario-%1.md").arg(cli.scenario)));
                if (report.open(QIODevice::WriteOnly | QIODevice::Truncate) && report.write(markdown) == markdown.size())
                    std::printf("scenario: summary written to %s\n", qPrintable(report.fileName()));
                std::fflush(stdout);
                exitCode = summary.error.isEmpty() ? 0 : 1;
                runtime.shutdown();
            });
        if (const QString problem = ScenarioRunner::problem(&runtime, *ScenarioRunner::find(cli.scenario));
            !problem.isEmpty()) {
            std::fprintf(stderr, "ackhook: --scenario %s: %s\n", qPrintable(cli.scenario), qPrintable(problem));
            return 1;
        }
        // Once NATS is ready: the first seconds must not count a slow start as an outage.
        auto *waitReady = new QTimer(&runtime);
        QObject::connect(waitReady, &QTimer::timeout, &runtime, [&runtime, waitReady, &scenario] {
            if (!runtime.status().notReady().isEmpty())
                return;
            waitReady->stop();
            scenario->start();
        });
        waitReady->start(100);
    } else if (cli.headless) {
        reporter = std::make_unique<HeadlessReporter>(runtime.gateway(), stdout);
        QObject::connect(
            runtime.gatewayHost(), &GatewayHost::recordsReady, reporter.get(), &HeadlessReporter::writeRecords);
    } else {
#ifdef ACKHOOK_HAVE_UI
        window = std::make_unique<MonitorWindow>(&runtime);
        window->show();
        // For bench/gui.sh: GUI event-loop lag on stderr every 5 s.
        if (qEnvironmentVariableIsSet("ACKHOOK_LAG_REPORT")) {
            auto *probe = new EventLoopLagProbe(window.get());
            auto *report = new QTimer(window.get());
            QObject::connect(report, &QTimer::timeout, probe, [probe] {
                const EventLoopLagProbe::Figures f = probe->takeFigures();
                std::fprintf(stderr, "gui-lag samples=%d p50_ms=%.2f p99_ms=%.2f max_ms=%.2f\n", f.samples, f.p50Ms,
                    f.p99Ms, f.maxMs);
            });
            report->start(5000);
        }
        // Closing the window shuts down like a signal does: answer what is in flight, then exit.
        QGuiApplication::setQuitOnLastWindowClosed(false);
        QObject::connect(qApp, &QGuiApplication::lastWindowClosed, &runtime, &Runtime::shutdown);
#endif
    }

    int signalsSeen = 0;
    QObject::connect(&signalWatcher, &UnixSignalWatcher::signalReceived, &app, [&](int signalNumber) {
        if (signalNumber == SIGHUP) {
            // A daemon's SIGHUP means "reopen logs / reload": ackhook logs to stderr (the journal
            // under systemd) and reads its configuration at start, so there is nothing to redo.
            // Above all it must not stop: a closed terminal or a log rotation would drop webhooks.
            std::fputs("ackhook: SIGHUP: nothing to reopen or reload (logs go to stderr, the configuration is "
                       "read at start); still running\n",
                stderr);
            return;
        }
        if (++signalsSeen > 1) {
            std::fputs("ackhook: second signal, exiting without waiting\n", stderr);
            std::_Exit(128 + signalNumber);
        }
        std::fprintf(stderr, "ackhook: signal %d, answering %d requests in flight, then exiting\n", signalNumber,
            runtime.gateway() ? runtime.gateway()->inFlight() : 0);
        runtime.shutdown();
    });
    QObject::connect(&runtime, &Runtime::stopped, &app, &QCoreApplication::quit);
    const int code = QCoreApplication::exec();
    return code != 0 ? code : exitCode;
}

} // namespace

int main(int argc, char *argv[])
{
    const int code = run(argc, argv);
    nats_Close(); // cnats' global threads and pools, after every connection is gone
    return code;
}
