// Fuzz target: the TOML configuration loader. Invariants: a refused file names the file and a line
// in every message; an accepted one has unique paths, concrete valid subjects for any event type,
// and stream subjects that cover every endpoint.
#include "config/configfile.h"
#include "fuzzinput.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const FuzzInput input(data, size);
    QString error;
    const auto environment = [](const QString &name) -> std::optional<QByteArray> {
        if (name.startsWith(QLatin1Char('U')))
            return std::nullopt;
        return name.toUtf8();
    };
    const std::optional<ConfigFile> config
        = ConfigFile::parse(input.bytes(), QStringLiteral("fuzz.toml"), &error, environment);
    if (!config) {
        FUZZ_ASSERT(!error.isEmpty());
        for (const QString &line : error.split(QLatin1Char('\n')))
            FUZZ_ASSERT(line.startsWith(QLatin1String("fuzz.toml:")));
        return 0;
    }
    QList<QByteArray> paths;
    const QStringList streamSubjects = config->streamSubjects();
    FUZZ_ASSERT(!streamSubjects.isEmpty());
    for (const Endpoint &endpoint : config->endpoints) {
        FUZZ_ASSERT(endpoint.path.startsWith('/') && !paths.contains(endpoint.path));
        paths.append(endpoint.path);
        FUZZ_ASSERT(ConfigFile::checkSubjectTemplate(endpoint.subject).isEmpty());
        for (const QByteArray &event : { QByteArray(), QByteArray("push"), QByteArray(" a.*.>.. b\t"),
                 input.bytes().left(40) }) {
            const QByteArray subject = endpoint.subjectFor(event);
            FUZZ_ASSERT(ConfigFile::checkSubjectTemplate(subject).isEmpty());
        }
        if (endpoint.auth.requiresSecret())
            FUZZ_ASSERT(!endpoint.auth.secret.isEmpty());
        bool covered = false;
        for (const QString &subject : streamSubjects)
            covered |= ConfigFile::covers(subject.toUtf8(), endpoint.subject);
        FUZZ_ASSERT(covered);
    }
    (void)config->describe();
    return 0;
}
