// The TOML reading kit: typed readers of one node, and TomlReader (see the header).
#include "config/tomlreader.h"
#include "config/quantity.h"
#include "config/secretfile.h"

#include <QDir>
#include <QRegularExpression>

#include <algorithm>
#include <limits>

namespace {

constexpr qsizetype MaxProblems = 20;

} // namespace

namespace Toml {

QString typeName(const toml::node &node)
{
    switch (node.type()) {
    case toml::node_type::string:
        return QStringLiteral("a string");
    case toml::node_type::integer:
        return QStringLiteral("an integer");
    case toml::node_type::floating_point:
        return QStringLiteral("a floating-point number");
    case toml::node_type::boolean:
        return QStringLiteral("a boolean");
    case toml::node_type::table:
        return QStringLiteral("a table");
    case toml::node_type::array:
        return QStringLiteral("an array");
    case toml::node_type::date:
    case toml::node_type::time:
    case toml::node_type::date_time:
        return QStringLiteral("a date/time");
    case toml::node_type::none:
        break;
    }
    return QStringLiteral("nothing");
}

QString expected(const toml::node &node, const QString &what)
{
    return QStringLiteral("expected %1, got %2").arg(what, typeName(node));
}

QString fromStd(std::string_view text)
{
    return QString::fromUtf8(text.data(), static_cast<qsizetype>(text.size()));
}

Read<QString> readString(const toml::node &node)
{
    if (const auto *value = node.as_string())
        return { fromStd(value->get()), {} };
    return Read<QString>::fail(expected(node, QStringLiteral("a string")));
}

Read<QString> readNonEmpty(const toml::node &node)
{
    Read<QString> text = readString(node);
    if (text.value && text.value->trimmed().isEmpty())
        return Read<QString>::fail(QStringLiteral("must not be empty"));
    return text;
}

Read<bool> readBool(const toml::node &node)
{
    if (const auto *value = node.as_boolean())
        return { value->get(), {} };
    return Read<bool>::fail(expected(node, QStringLiteral("true or false")));
}

Read<qint64> readInteger(const toml::node &node, qint64 min, qint64 max)
{
    const auto *value = node.as_integer();
    if (!value)
        return Read<qint64>::fail(expected(node, QStringLiteral("an integer")));
    const qint64 number = value->get();
    if (number < min || number > max)
        return Read<qint64>::fail(QStringLiteral("%1 is out of range (%2 to %3)").arg(number).arg(min).arg(max));
    return { number, {} };
}

// A number with a unit suffix ("500ms", "5s", "1MiB", parsed by config/quantity.h like the flags);
// an integer alone is in the base unit.
template <typename T>
Read<T> readWithUnit(const toml::node &node, const QString &what, qint64 max,
    std::optional<T> (*parse)(QStringView, qint64, QString *), T (*fromInteger)(qint64))
{
    if (node.is_integer()) {
        const Read<qint64> number = readInteger(node, 1, max);
        return number.value ? Read<T> { fromInteger(*number.value), {} } : Read<T>::fail(number.error);
    }
    if (!node.is_string())
        return Read<T>::fail(expected(node, what));
    QString error;
    std::optional<T> value = parse(fromStd(node.as_string()->get()), max, &error);
    return value ? Read<T> { std::move(value), {} } : Read<T>::fail(error);
}

Read<std::chrono::milliseconds> readDuration(const toml::node &node, qint64 maxMs)
{
    return readWithUnit<std::chrono::milliseconds>(node, QStringLiteral("a duration like \"5s\" or \"500ms\""), maxMs,
        Quantity::parseDuration, [](qint64 ms) { return std::chrono::milliseconds(ms); });
}

Read<qint64> readSize(const toml::node &node, qint64 max)
{
    return readWithUnit<qint64>(
        node, QStringLiteral("a size like \"1MiB\""), max, Quantity::parseSize, [](qint64 bytes) { return bytes; });
}

// A stream limit: -1 for unlimited (as JetStream writes it), else a size (withUnits) or a count.
Read<qint64> readLimit(const toml::node &node, bool withUnits)
{
    if (const auto *value = node.as_integer(); value && value->get() == -1)
        return { -1, {} };
    constexpr qint64 Max = std::numeric_limits<qint64>::max();
    return withUnits ? readSize(node, Max) : readInteger(node, 1, Max);
}

// An array of strings; allowSingle: a lone string counts as a list of one.
Read<QStringList> readStringList(const toml::node &node, bool allowSingle)
{
    if (allowSingle && node.is_string())
        return { QStringList { fromStd(node.as_string()->get()) }, {} };
    const auto *array = node.as_array();
    if (!array)
        return Read<QStringList>::fail(expected(node,
            allowSingle ? QStringLiteral("a string or an array of strings") : QStringLiteral("an array of strings")));
    QStringList list;
    for (const toml::node &item : *array) {
        if (!item.is_string())
            return Read<QStringList>::fail(
                QStringLiteral("item %1: %2").arg(list.size() + 1).arg(expected(item, QStringLiteral("a string"))));
        list.append(fromStd(item.as_string()->get()));
    }
    return { list, {} };
}

bool isHeaderName(const QString &name)
{
    static const QRegularExpression token(QStringLiteral("^[A-Za-z0-9!#$%&'*+.^_`|~-]+$"));
    return token.match(name).hasMatch();
}

Read<QList<QByteArray>> readHeaderNames(const toml::node &node)
{
    const Read<QStringList> list = readStringList(node);
    if (!list.value)
        return Read<QList<QByteArray>>::fail(list.error);
    QList<QByteArray> names;
    for (const QString &name : *list.value) {
        if (!isHeaderName(name))
            return Read<QList<QByteArray>>::fail(QStringLiteral("'%1' is not a header name").arg(name));
        names.append(name.toLatin1());
    }
    return { names, {} };
}

Read<QByteArray> readHeaderName(const toml::node &node)
{
    const Read<QString> text = readString(node);
    if (!text.value)
        return Read<QByteArray>::fail(text.error);
    if (!isHeaderName(*text.value))
        return Read<QByteArray>::fail(QStringLiteral("'%1' is not a header name").arg(*text.value));
    return { text.value->toLatin1(), {} };
}

} // namespace Toml

using namespace Toml;

TomlReader::TomlReader(QString file, QString baseDir, const Environment &environment)
    : m_file(std::move(file))
    , m_baseDir(std::move(baseDir))
    , m_environment(environment)
{
}

void TomlReader::problem(int line, const QString &field, const QString &message)
{
    if (m_problems.size() < MaxProblems)
        m_problems.append(
            { line, printable(QStringLiteral("%1:%2: %3: %4").arg(m_file).arg(line).arg(field, message)) });
}

void TomlReader::problem(const toml::source_region &where, const QString &field, const QString &message)
{
    problem(static_cast<int>(where.begin.line), field, message);
}

QString TomlReader::printable(const QString &text)
{
    QString result;
    for (const QChar c : text) {
        if (c == QLatin1Char('\n'))
            result += QStringLiteral("\\n");
        else if (c == QLatin1Char('\t'))
            result += QStringLiteral("\\t");
        else if (c.unicode() < 0x20 || c.unicode() == 0x7f)
            result += QStringLiteral("\\x%1").arg(c.unicode(), 2, 16, QLatin1Char('0'));
        else
            result += c;
    }
    return result;
}

void TomlReader::warning(int line, const QString &field, const QString &message)
{
    m_warnings.append(printable(QStringLiteral("%1:%2: %3: %4").arg(m_file).arg(line).arg(field, message)));
}

QString TomlReader::errors() const
{
    QList<QPair<int, QString>> sorted = m_problems;
    std::stable_sort(sorted.begin(), sorted.end(), [](const auto &a, const auto &b) { return a.first < b.first; });
    QStringList lines;
    for (const auto &problem : std::as_const(sorted))
        lines.append(problem.second);
    return lines.join(QLatin1Char('\n'));
}

QString TomlReader::resolvePath(const QString &path) const
{
    return QDir(m_baseDir).absoluteFilePath(path);
}

std::optional<QByteArray> TomlReader::secretFrom(const std::optional<QString> &file, const std::optional<QString> &env,
    const QHash<QString, int> &lines, const QString &prefix, const QString &fileKey, const QString &envKey)
{
    if (file && env) {
        problem(lines.value(envKey), prefix + envKey, QStringLiteral("give %1 or %2, not both").arg(fileKey, envKey));
        return std::nullopt;
    }
    if (file) {
        const QString field = prefix + fileKey;
        const int line = lines.value(fileKey);
        const SecretFile input = SecretFile::read(resolvePath(*file));
        if (!input.ok()) {
            problem(line, field, input.error());
            return std::nullopt;
        }
        if (!input.warning().isEmpty())
            warning(line, field, input.warning());
        return input.secret();
    }
    if (env) {
        const std::optional<QByteArray> value = m_environment(*env);
        if (!value || value->trimmed().isEmpty()) {
            problem(lines.value(envKey), prefix + envKey,
                QStringLiteral("environment variable %1 is not set or empty").arg(*env));
            return std::nullopt;
        }
        return value->trimmed();
    }
    return std::nullopt;
}
