// Quantity: a number with a unit ("250ms", "5s", "2m", "1MiB"), the one parser behind the config
// file's durations and sizes and the command line's flags (a plain number is in the base unit:
// milliseconds, bytes).
#pragma once

#include <QString>
#include <QStringView>

#include <chrono>
#include <optional>

namespace Quantity {

// Units "ms", "s", "m", "h"; a plain number is milliseconds. nullopt with *error naming the problem
// (not the field: the caller prefixes its flag or key).
std::optional<std::chrono::milliseconds> parseDuration(QStringView text, qint64 maxMs, QString *error);
// Units "B", "KiB", "MiB", "GiB", "KB", "MB", "GB"; a plain number is bytes.
std::optional<qint64> parseSize(QStringView text, qint64 maxBytes, QString *error);

} // namespace Quantity
