// OutagePanel: the "Simulated outage" box — one action per fault mode, the power cut, End outage,
// and the settings of the mode that runs (latency, flap period, how long a blackhole lasts).
#pragma once

#include "outage/outagesettings.h"

#include <QGroupBox>
#include <QMap>

class QAction;
class QPushButton;
class QSpinBox;
class QTimer;
class Runtime;

class OutagePanel : public QGroupBox {
    Q_OBJECT
public:
    explicit OutagePanel(Runtime *runtime, QWidget *parent = nullptr);

    QAction *action(OutageSettings::Mode mode) const { return m_actions.value(mode); } // "Simulate outage" menu
    QPushButton *simulateButton() const { return m_simulate; } // its menu holds the modes
    QPushButton *endButton() const { return m_end; }
    QSpinBox *latencyBox() const { return m_latency; }
    QSpinBox *flapPeriodBox() const { return m_flapPeriod; }
    QSpinBox *blackholeSecondsBox() const { return m_blackholeSeconds; }

    void start(OutageSettings::Mode mode);
    void end();
    void toggle(); // Ctrl+O: the last mode started again, or the running one ended
    // While a scenario runs it owns the outage and nats-server: nothing to switch here meanwhile.
    void setLocked(bool locked);
    // Shows the fault proxy's settings, from any source: this panel, the admin API, --outage.
    void showSettings(const OutageSettings &settings);
    bool reconnectExpected() const; // a simulated outage ended moments ago

Q_SIGNALS:
    void message(const QString &text, int timeoutMs); // for the status bar
    void changed(); // an outage started or ended here, or a power cut: worth showing at once
    void settingsShown(const OutageSettings &settings);

private:
    Runtime *m_runtime;
    QPushButton *m_simulate = nullptr; // a menu button: Fusion keeps its arrow beside the text
    QMap<OutageSettings::Mode, QAction *> m_actions;
    QAction *m_powerCut = nullptr;
    QPushButton *m_end = nullptr;
    QSpinBox *m_latency = nullptr;
    QSpinBox *m_flapPeriod = nullptr;
    QSpinBox *m_blackholeSeconds = nullptr;
    QTimer *m_blackholeEnd = nullptr;
    OutageSettings::Mode m_lastMode = OutageSettings::Mode::Down; // what Ctrl+O starts
    bool m_wasActive = true; // as before: the first showSettings() starts the grace too
    qint64 m_endedMs = 0; // when the last simulated outage ended: reconnecting is expected
    bool m_locked = false;
};
