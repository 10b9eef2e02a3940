// ackhook entry point: command line, then a Runtime (embedded nats-server, fault proxy, gateway
// thread, admin API) driven headless; signals shut it down gracefully.
#include "commandline.h"
#include "headlessreporter.h"
#include "instancechannel.h"
#include "http/filelimit.h"
#include "logsink.h"
#include "nats/embeddednats.h"
#include "runtime.h"
#include "scenariorunner.h"
#include "systemdnotifier.h"
#include "unixsignalwatcher.h"
#include "dispatch/dispatcher.h"

#ifdef ACKHOOK_HAVE_UI
#include "displaycheck.h"
#include "eventlooplagprobe.h"
#include "monitorwindow.h"
#include "scenariochart.h"
#include "startfailuredialog.h"

#include <QApplication>
#include <QMessageBox>
#endif

#include <QCoreApplication>
#include <QDir>
#include <QProcess>
#include <QScopeGuard>
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
    // Every line from here on has one format: RFC 3339 UTC time, level, source, message, fields.
    LogSink log;
    LogSink::installMessageHandler(&log);
    const auto uninstall = qScopeGuard([] { LogSink::installMessageHandler(nullptr); });
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
    log.setFormat(cli.logFormat);
    for (const QString &warning : std::as_const(cli.warnings))
        log.warning("ackhook", warning);

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
    // The scenario's chart is painted with fonts: that needs a QGuiApplication, on the offscreen
    // platform unless one was chosen (no display is needed).
    if (!cli.scenarioChart.isEmpty() && qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    std::unique_ptr<QCoreApplication> application = !cli.scenarioChart.isEmpty()
        ? std::make_unique<QGuiApplication>(argc, argv)
        : cli.headless ? std::make_unique<QCoreApplication>(argc, argv)
                       : std::make_unique<QApplication>(argc, argv);
    // Wayland compositors and task bars match the window to packaging/'s desktop entry and icon.
    QGuiApplication::setDesktopFileName(QStringLiteral("org.ackhook.ackhook"));
#else
    if (!cli.scenarioChart.isEmpty()) {
        std::fputs("ackhook: built without the monitor window: --scenario-chart is not available.\n", stderr);
        return 2;
    }
    auto application = std::make_unique<QCoreApplication>(argc, argv);
#endif
    QCoreApplication &app = *application;
    QCoreApplication::setApplicationName(QStringLiteral("ackhook"));
    QCoreApplication::setOrganizationName(QStringLiteral("ackhook")); // settings in ~/.config/ackhook/
    QCoreApplication::setApplicationVersion(QStringLiteral(ACKHOOK_VERSION));

    // Before anything starts: a signal during start-up is then handled (once the loop runs), not fatal.
    UnixSignalWatcher signalWatcher;
    // Under a file-size limit (ulimit -f) a write past it would kill ackhook with SIGXFSZ; ignored,
    // the write fails with EFBIG and is reported like a full disk (the spool answers 500, not a crash).
    std::signal(SIGXFSZ, SIG_IGN);
    // Every connection is a file: a soft limit of 1,024 (systemd's default) would be reached long
    // before the listeners' connection caps. The hard limit is what the administrator allows.
    if (const FileLimit files = raiseFileLimitToHard(); !files.ok)
        log.warning("ackhook", QStringLiteral("cannot raise the open-file limit (now %1)").arg(files.soft));
    else if (files.soft < 2 * static_cast<quint64>(cli.runtime.gateway.maxConnections) + 256)
        log.warning("ackhook",
            QStringLiteral("open-file limit %1 is below what the listeners' connection caps need (%2 each); raise "
                           "LimitNOFILE= or ulimit -Hn")
                .arg(files.soft)
                .arg(cli.runtime.gateway.maxConnections));

    if (!Runtime::makeDataDir(cli.runtime.dataDir)) {
        log.error("ackhook", QStringLiteral("cannot create the data directory %1").arg(cli.runtime.dataDir));
        return 1;
    }

#ifdef ACKHOOK_HAVE_UI
    // One window per data directory: a second start (a launcher clicked twice) brings the first
    // one's window to the front instead of failing on the data directory's lock.
    const bool windowed = !cli.headless && cli.scenario.isEmpty();
    if (windowed && InstanceChannel::askToShow(cli.runtime.dataDir)) {
        log.info("ackhook",
            QStringLiteral("an ackhook with the data directory %1 is running: its window was brought to the front")
                .arg(QDir::toNativeSeparators(cli.runtime.dataDir)));
        return 0;
    }
#endif

    Runtime runtime(cli.runtime);
    QString error;
    if (!runtime.start(&error)) {
        log.error("ackhook", error);
#ifdef ACKHOOK_HAVE_UI
        if (windowed) { // started from a launcher, the log goes nowhere a user looks
            const auto dialog = StartFailure::makeDialog(error);
            // A stop by signal (a session ending, kill, Ctrl+C) closes it: nothing started, nothing
            // to drain. (SIGTERM is the watcher's from the start: without this the dialog stayed.)
            QObject::connect(&signalWatcher, &UnixSignalWatcher::signalReceived, dialog.get(), &QDialog::reject);
            dialog->exec();
        }
#endif
        return 1;
    }
    const GatewayConfig &gateway = cli.runtime.gateway;
    const QString webhookUrl = runtime.webhookBaseUrl()
        + (gateway.endpoints.isEmpty() ? QString() : QString::fromUtf8(gateway.endpoints.constFirst().path));
    const QString natsUrls = runtime.upstreamUrls().join(QLatin1Char(','));
    const QString adminUrl = httpBaseUrl(cli.runtime.adminAddress, runtime.adminPort()) + QStringLiteral("/api/status");
    log.info("ackhook",
        QStringLiteral("ackhook %1 listening on %2, NATS %3%4, stream %5, admin %6")
            .arg(QStringLiteral(ACKHOOK_VERSION), webhookUrl, natsUrls,
                runtime.isEmbedded() ? QStringLiteral(" (embedded)") : QString(), gateway.stream, adminUrl),
        { { "version", QStringLiteral(ACKHOOK_VERSION) }, { "webhook", webhookUrl }, { "nats", natsUrls },
            { "embedded", runtime.isEmbedded() }, { "stream", gateway.stream }, { "admin", adminUrl } });
    // How ackhook reaches NATS, without a secret: the URLs shown carry no credentials (Runtime took them out).
    log.info("ackhook",
        QStringLiteral("nats access: %1; fault proxy %2")
            .arg(runtime.natsAccess().describe(),
                cli.runtime.faultProxyEnabled ? QStringLiteral("on (outages can be simulated; in the path only while one is)")
                                              : QStringLiteral("off (direct connection)")),
        { { "fault_proxy", cli.runtime.faultProxyEnabled } });
    for (const Endpoint &endpoint : gateway.endpoints) {
        log.info("ackhook", QStringLiteral("endpoint %1").arg(QString::fromUtf8(endpoint.displayName())),
            { { "methods", QString::fromLatin1(endpoint.methods.join(',')) },
                { "path", QString::fromUtf8(endpoint.path) }, { "subject", QString::fromUtf8(endpoint.subject) },
                { "source", QString::fromLatin1(endpoint.source) },
                { "auth", endpoint.auth.authName() },
                { "dispatch", dispatchPolicyName(endpoint.dispatch.value_or(gateway.defaultPolicy)) } });
    }
    if (runtime.faultProxy()->mode() != OutageSettings::Mode::Off)
        log.warning("ackhook",
            QStringLiteral("simulated outage: %1").arg(OutageSettings::modeName(runtime.faultProxy()->mode())));
    // Both listeners are bound and NATS is being reached: systemd may start what depends on ackhook.
    SystemdNotifier systemd;
    systemd.ready(QStringLiteral("listening on %1, NATS %2").arg(webhookUrl, natsUrls));

    std::unique_ptr<HeadlessReporter> reporter;
#ifdef ACKHOOK_HAVE_UI
    std::unique_ptr<MonitorWindow> window;
    std::unique_ptr<InstanceChannel> channel; // destroyed before the window it shows
#endif
    std::unique_ptr<ScenarioRunner> scenario;
    int exitCode = 0;
    if (!cli.scenario.isEmpty()) {
        log.warning("ackhook", HeadlessReporter::fireAndForgetWarning({ "/lab/fire-and-forget" }));
        ScenarioRunner::Options options;
        options.before = options.outage = options.after = std::chrono::seconds(cli.scenarioSeconds);
        options.seed = cli.scenarioSeed;
        scenario = std::make_unique<ScenarioRunner>(&runtime, *ScenarioRunner::find(cli.scenario), options);
        QObject::connect(scenario.get(), &ScenarioRunner::progress,
            [&log](const QString &phase) { log.info("scenario", phase); });
        QObject::connect(scenario.get(), &ScenarioRunner::finished, &runtime,
            [&](const ScenarioRunner::Summary &summary) {
                const QByteArray markdown = summary.markdown().toUtf8();
                std::fwrite(markdown.constData(), 1, static_cast<size_t>(markdown.size()), stdout);
                QFile report(QDir(cli.runtime.dataDir).filePath(QStringLiteral("scenario-%1.md").arg(cli.scenario)));
                if (report.open(QIODevice::WriteOnly | QIODevice::Truncate) && report.write(markdown) == markdown.size())
                    log.info("scenario", QStringLiteral("summary written to %1").arg(report.fileName()));
#ifdef ACKHOOK_HAVE_UI
                if (!cli.scenarioChart.isEmpty() && summary.error.isEmpty()) {
                    if (ScenarioChart::render(summary).save(cli.scenarioChart, "PNG"))
                        log.info("scenario", QStringLiteral("chart written to %1").arg(cli.scenarioChart));
                    else
                        log.error("scenario", QStringLiteral("cannot write the chart to %1").arg(cli.scenarioChart));
                }
#endif
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
        reporter = std::make_unique<HeadlessReporter>(runtime.gateway(), &log);
        QObject::connect(&runtime, &Runtime::dispatchPolicyChanged, reporter.get(), [&runtime, &reporter] {
            QList<QByteArray> paths;
            for (const Endpoint &endpoint : runtime.config().gateway.resolvedEndpoints()) {
                if (endpoint.dispatch == DispatchPolicy::FireAndForget)
                    paths.append(endpoint.path);
            }
            reporter->setFireAndForgetPaths(paths);
        });
        QObject::connect(
            runtime.gatewayHost(), &GatewayHost::recordsReady, reporter.get(), &HeadlessReporter::writeRecords);
    } else {
#ifdef ACKHOOK_HAVE_UI
        window = std::make_unique<MonitorWindow>(&runtime);
        window->show();
        channel = std::make_unique<InstanceChannel>();
        if (QString why; !channel->listen(cli.runtime.dataDir, &why))
            log.warning("ackhook", QStringLiteral("a second start will not bring this window to the front: %1").arg(why));
        QObject::connect(channel.get(), &InstanceChannel::showRequested, window.get(), [&window, &log] {
            window->showNormal();
            window->raise();
            window->activateWindow();
            log.info("ackhook", QStringLiteral("a second start with this data directory: window brought to the front"));
        });
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
            // A daemon's SIGHUP means "reopen logs / reload": ackhook logs to stdout and stderr (the
            // journal under systemd) and reads its configuration at start, so there is nothing to redo.
            // Above all it must not stop: a closed terminal or a log rotation would drop webhooks.
            log.warning("ackhook.signal",
                QStringLiteral("SIGHUP: nothing to reopen or reload (logs go to stdout and stderr, the "
                               "configuration is read at start); still running"),
                { { "signal", SIGHUP } });
            return;
        }
        if (++signalsSeen > 1) {
            log.warning("ackhook.signal", QStringLiteral("second signal, exiting without waiting"),
                { { "signal", signalNumber } });
            std::_Exit(128 + signalNumber);
        }
        const int inFlight = runtime.gateway() ? runtime.gateway()->inFlight() : 0;
        systemd.stopping(QStringLiteral("answering %1 requests in flight, then exiting").arg(inFlight));
        log.warning("ackhook.signal",
            QStringLiteral("signal %1, answering %2 requests in flight, then exiting").arg(signalNumber).arg(inFlight),
            { { "signal", signalNumber }, { "in_flight", inFlight } });
        runtime.shutdown();
    });
    QObject::connect(&runtime, &Runtime::stopped, &app, &QCoreApplication::quit);
    const int code = QCoreApplication::exec();
    return code != 0 ? code : exitCode;
}

} // namespace

int main(int argc, char *argv[])
{
#ifdef ACKHOOK_BENCH_CEILING
    // ackhook-bench only (CMake option ACKHOOK_BENCH_CEILING): the benchmark's HTTP ceiling.
    if (qEnvironmentVariableIsSet("ACKHOOK_BENCH_NO_NATS"))
        Dispatcher::setBenchCeiling(true);
#endif
    const int code = run(argc, argv);
    nats_Close(); // cnats' global threads and pools, after every connection is gone
    return code;
}
