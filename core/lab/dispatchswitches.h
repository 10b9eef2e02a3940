// DispatchSwitches: the dispatch policies switched while ackhook ran (window or admin API), saved
// in <data-dir>/dispatch-switches.json so that they survive a restart.
//
// Which wins at start, a saved switch or the configuration? The newer decision: each switch is
// saved with the policy the configuration gave the endpoint when it was made. While the
// configuration still says that, the switch wins (it was made later, on purpose); once the
// configuration says something else for that endpoint, someone changed it after the switch, so the
// configuration wins and the stale switch is dropped (and logged). A switch to fire-and-forget is
// never saved (that policy must be named in the configuration or on the command line to be on at
// start), and switching an endpoint back to its configured policy clears its saved switch.
#pragma once

#include "dispatch/dispatchpolicy.h"

#include <QDateTime>
#include <QHash>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

struct GatewayConfig;

class DispatchSwitches {
public:
    struct Switch {
        QByteArray path;
        DispatchPolicy dispatch = DispatchPolicy::Ack;
        DispatchPolicy configured = DispatchPolicy::Ack; // what the configuration said when it was made
        QDateTime at;
    };
    static constexpr const char *FileName = "dispatch-switches.json";

    explicit DispatchSwitches(QString path); // empty: nothing is saved (no data directory)

    // Reads the file and applies the switches still valid to gateway.endpoints (their dispatch is
    // set); drops the stale ones and says why in *notes. False with *error when the file exists but
    // cannot be read or parsed (ackhook does not start: it would silently change policies).
    bool load(GatewayConfig &gateway, QStringList *notes, QString *error);
    // After a successful switch of the endpoint at path: saved, or cleared. False with *error when
    // the file could not be written (the switch is in effect all the same, until ackhook stops).
    bool record(const QByteArray &path, DispatchPolicy policy, QString *error);
    // The endpoint's policy from the configuration (to switch back to); empty for an unknown path.
    std::optional<DispatchPolicy> configured(const QByteArray &path) const;
    std::optional<Switch> saved(const QByteArray &path) const;
    QString path() const { return m_path; }

private:
    bool save(QString *error) const;

    QString m_path;
    QList<Switch> m_switches;
    QHash<QByteArray, DispatchPolicy> m_configured; // each endpoint's policy from the configuration
};
