// OutageSettings: which outage the fault proxy simulates, and its parameters.
#pragma once

#include <QMetaType>
#include <QString>
#include <QStringList>

#include <optional>

struct OutageSettings {
    enum class Mode { Off, Down, Blackhole, Latency, AckLoss, Flap };

    Mode mode = Mode::Off;
    int latencyMs = 100; // latency: added to each direction
    int jitterMs = 0; // latency: ± this much, byte order preserved
    int flapPeriodMs = 2000; // flap: down for a period, then off for a period

    static QString modeName(Mode mode);
    static std::optional<Mode> modeFromName(QStringView name);
    static QStringList modeNames();
    bool operator==(const OutageSettings &) const = default;
};

Q_DECLARE_METATYPE(OutageSettings)
