// Quantity: "<digits><unit>" with a table of units, bounded before it can overflow.
#include "config/quantity.h"

#include <QList>
#include <QPair>
#include <QRegularExpression>

namespace {

using Units = QList<QPair<QLatin1String, qint64>>;

std::optional<qint64> parse(QStringView input, const Units &units, const QString &what, qint64 max, QString *error)
{
    const QString text = input.trimmed().toString();
    static const QRegularExpression pattern(QStringLiteral("^([0-9]{1,15})\\s*([A-Za-z]*)$"));
    const QRegularExpressionMatch match = pattern.match(text);
    if (match.hasMatch()) {
        const qint64 number = match.captured(1).toLongLong();
        const QString unit = match.captured(2);
        for (const auto &[name, factor] : units) {
            if (!unit.isEmpty() && unit != name)
                continue;
            if (number < 1 || number > max / factor) {
                *error = QStringLiteral("'%1' is out of range (at most %2 %3)").arg(text).arg(max / factor).arg(name);
                return std::nullopt;
            }
            return number * factor; // the first unit is the base unit: a plain number is in it
        }
    }
    QStringList names;
    for (const auto &unit : units)
        names.append(unit.first);
    *error = QStringLiteral("'%1' is not %2 (a positive number with one of: %3)")
                 .arg(text, what, names.join(QStringLiteral(", ")));
    return std::nullopt;
}

} // namespace

namespace Quantity {

std::optional<std::chrono::milliseconds> parseDuration(QStringView text, qint64 maxMs, QString *error)
{
    static const Units units { { QLatin1String("ms"), 1 }, { QLatin1String("s"), 1000 }, { QLatin1String("m"), 60000 },
        { QLatin1String("h"), 3600000 }, { QLatin1String("d"), 24 * 3600000LL } };
    const std::optional<qint64> ms
        = parse(text, units, QStringLiteral("a duration like \"5s\" or \"500ms\""), maxMs, error);
    if (!ms)
        return std::nullopt;
    return std::chrono::milliseconds(*ms);
}

std::optional<qint64> parseSize(QStringView text, qint64 maxBytes, QString *error)
{
    static const Units units { { QLatin1String("B"), 1 }, { QLatin1String("KiB"), 1024 },
        { QLatin1String("MiB"), 1024 * 1024 }, { QLatin1String("GiB"), 1024LL * 1024 * 1024 },
        { QLatin1String("KB"), 1000 }, { QLatin1String("MB"), 1000 * 1000 },
        { QLatin1String("GB"), 1000LL * 1000 * 1000 } };
    return parse(text, units, QStringLiteral("a size like \"1MiB\""), maxBytes, error);
}

} // namespace Quantity
