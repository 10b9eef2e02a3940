// EnumName tables: one table per enum gives both directions, the wire name of a value and the value
// of a name (case-insensitive), so names used in JSON, metrics and flags are written once.
#pragma once

#include <QString>
#include <QStringList>
#include <QStringView>

#include <optional>

template <typename E> struct EnumName {
    E value;
    const char *name;
};

template <typename E, std::size_t N> QString enumName(const EnumName<E> (&table)[N], E value, QString unknown = {})
{
    for (const EnumName<E> &entry : table) {
        if (entry.value == value)
            return QString::fromLatin1(entry.name);
    }
    return unknown;
}

template <typename E, std::size_t N> std::optional<E> enumFromName(const EnumName<E> (&table)[N], QStringView name)
{
    for (const EnumName<E> &entry : table) {
        if (name.compare(QLatin1String(entry.name), Qt::CaseInsensitive) == 0)
            return entry.value;
    }
    return std::nullopt;
}

template <typename E, std::size_t N> QStringList enumNames(const EnumName<E> (&table)[N])
{
    QStringList names;
    for (const EnumName<E> &entry : table)
        names.append(QString::fromLatin1(entry.name));
    return names;
}
