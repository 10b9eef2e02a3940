// The TOML reading kit of the config file: typed readers of one toml++ node (Toml::readString,
// readDuration, readSize, … each checking type and range, the error without the key), key tables
// (Toml::KeyRow) and TomlReader, which walks a table through its key table and collects every
// problem as "FILE:LINE: field: problem". Only config/ includes it: toml++ stays out of other rooms.
#pragma once

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QPair>
#include <QString>
#include <QStringList>

#include <toml++/toml.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string_view>

namespace Toml {

// A value read from a node, or the reason it could not be.
template <typename T> struct Read {
    std::optional<T> value;
    QString error;
    static Read fail(QString message) { return { std::nullopt, std::move(message) }; }
};

QString typeName(const toml::node &node); // "a string", "an integer", …
QString expected(const toml::node &node, const QString &what); // "expected WHAT, got TYPE"
QString fromStd(std::string_view text);

Read<QString> readString(const toml::node &node);
Read<QString> readNonEmpty(const toml::node &node);
Read<bool> readBool(const toml::node &node);
Read<qint64> readInteger(const toml::node &node, qint64 min, qint64 max);
// A number with a unit suffix ("500ms", "5s", "1MiB", parsed by config/quantity.h like the flags);
// an integer alone is in the base unit (milliseconds, bytes). At least 1, at most max.
Read<std::chrono::milliseconds> readDuration(const toml::node &node, qint64 maxMs);
Read<qint64> readSize(const toml::node &node, qint64 max);
// A stream limit: -1 for unlimited (as JetStream writes it), else a size (withUnits) or a count.
Read<qint64> readLimit(const toml::node &node, bool withUnits);
// An array of strings; allowSingle: a lone string counts as a list of one.
Read<QStringList> readStringList(const toml::node &node, bool allowSingle = false);
Read<QList<QByteArray>> readHeaderNames(const toml::node &node);
Read<QByteArray> readHeaderName(const toml::node &node);

// Stores a value read (when there is one) and returns the error (empty when fine): a key row's body.
template <typename T, typename U> QString assign(std::optional<T> &target, Read<U> read)
{
    if (read.value)
        target = std::move(*read.value);
    return read.error;
}

template <typename T, typename U> QString assignPlain(T &target, Read<U> read)
{
    if (read.value)
        target = std::move(*read.value);
    return read.error;
}

// One key of a section: its name and how it is read into the section's struct.
template <typename Section> struct KeyRow {
    const char *name;
    std::function<QString(const toml::node &node, Section &section)> read; // the error, empty when fine
};

} // namespace Toml

class TomlReader {
public:
    // Reads the environment for *_env keys (ConfigFile::Environment).
    using Environment = std::function<std::optional<QByteArray>(const QString &name)>;

    // file names the file in messages; relative paths are resolved against baseDir.
    TomlReader(QString file, QString baseDir, const Environment &environment);

    void problem(int line, const QString &field, const QString &message);
    void problem(const toml::source_region &where, const QString &field, const QString &message);
    // Messages quote values from the file: a "\n" in a TOML string must not start a new line of output.
    static QString printable(const QString &text);
    // Not a problem, but worth a line in the log: "FILE:LINE: field: message".
    void warning(int line, const QString &field, const QString &message);
    const QStringList &warnings() const { return m_warnings; }
    bool ok() const { return m_problems.isEmpty(); }
    // In file order (toml++ iterates a table's keys sorted by name).
    QString errors() const;

    // Each key of table through its row (an unknown key is a problem that lists the known ones);
    // lines, when given, gets each key's line for checks across keys.
    template <typename Section>
    void readSection(const toml::table &table, const QString &prefix, const QList<Toml::KeyRow<Section>> &rows,
        Section &section, QHash<QString, int> *lines = nullptr)
    {
        for (auto &&[key, node] : table) {
            const QString name = Toml::fromStd(key.str());
            const QString field = prefix + name;
            const Toml::KeyRow<Section> *row = nullptr;
            for (const Toml::KeyRow<Section> &candidate : rows) {
                if (name == QLatin1String(candidate.name))
                    row = &candidate;
            }
            if (!row) {
                QStringList known;
                for (const Toml::KeyRow<Section> &candidate : rows)
                    known.append(QLatin1String(candidate.name));
                problem(key.source(), field,
                    QStringLiteral("unknown key (known: %1)").arg(known.join(QStringLiteral(", "))));
                continue;
            }
            if (lines)
                lines->insert(name, static_cast<int>(node.source().begin.line));
            const QString error = row->read(node, section);
            if (!error.isEmpty())
                problem(node.source(), field, error);
        }
    }

    QString resolvePath(const QString &path) const;

    // A secret from a file (SecretFile's rules) or an environment variable; *_file and *_env name
    // the keys for messages. nullopt after a problem was reported, or when neither is given.
    std::optional<QByteArray> secretFrom(const std::optional<QString> &file, const std::optional<QString> &env,
        const QHash<QString, int> &lines, const QString &prefix, const QString &fileKey, const QString &envKey);

private:
    QString m_file;
    QString m_baseDir;
    const Environment &m_environment;
    QList<QPair<int, QString>> m_problems;
    QStringList m_warnings;
};
