// OutageSettings: mode names as the flags, the admin API and the metrics spell them.
#include "outage/outagesettings.h"
#include "enumnames.h"

namespace {
constexpr EnumName<OutageSettings::Mode> ModeNames[]
    = { { OutageSettings::Mode::Off, "off" }, { OutageSettings::Mode::Down, "down" },
          { OutageSettings::Mode::Blackhole, "blackhole" }, { OutageSettings::Mode::Latency, "latency" },
          { OutageSettings::Mode::AckLoss, "ack-loss" }, { OutageSettings::Mode::Flap, "flap" } };
} // namespace

QString OutageSettings::modeName(Mode mode)
{
    return enumName(ModeNames, mode);
}

std::optional<OutageSettings::Mode> OutageSettings::modeFromName(QStringView name)
{
    return enumFromName(ModeNames, name);
}

QStringList OutageSettings::modeNames()
{
    return enumNames(ModeNames);
}
