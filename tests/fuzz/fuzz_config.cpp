// Fuzz target: --config files (JSON → flags) and the command-line parser they feed. Invariants:
// a rejected file always says why; flags from an accepted file parse to a result or a clear error.
#include "commandline.h"
#include "fuzzinput.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const bool quiet = [] { // warnings about public listeners would flood the fuzzer's output
        qInstallMessageHandler([](QtMsgType, const QMessageLogContext &, const QString &) {});
        return true;
    }();
    (void)quiet;
    const FuzzInput input(data, size);
    QString error;
    const std::optional<QStringList> arguments = CommandLine::configArguments(input.bytes(), &error);
    if (!arguments) {
        FUZZ_ASSERT(!error.isEmpty());
        return 0;
    }
    for (const QString &argument : *arguments) {
        if (argument == QLatin1String("--config"))
            __builtin_trap(); // a file must not name another one
    }
    const CommandLine cli = CommandLine::parse(QStringList { QStringLiteral("ackhook") } + *arguments);
    if (cli.action == CommandLine::Action::Error)
        FUZZ_ASSERT(!cli.message.isEmpty());
    return 0;
}
