// ScenarioPanel: the lab's controls in the menu bar's corner — the scenario to run (docs/LAB.md):
// one click, a minute later the summary per policy — and the loss detector's line, a row of its
// own that the window places (lossLine).
#pragma once

#include "scenariorunner.h"

#include <QPointer>
#include <QWidget>

class QComboBox;
class QLabel;
class QPushButton;
class Runtime;
struct StatusSnapshot;

class ScenarioPanel : public QWidget {
    Q_OBJECT
public:
    explicit ScenarioPanel(Runtime *runtime, QWidget *parent = nullptr);

    QComboBox *choice() const { return m_name; }
    QPushButton *runButton() const { return m_run; }
    QLabel *lossLine() const { return m_loss; } // hidden until the loss detector runs
    void setOptions(const ScenarioRunner::Options &options) { m_options = options; } // tests shorten it
    bool isRunning() const { return !m_scenario.isNull(); } // from the click until its summary
    void showStatus(const StatusSnapshot &s); // the loss detector's line, once it runs

Q_SIGNALS:
    // A scenario owns the outage and nats-server from its start until its summary shows.
    void runningChanged(bool running);
    void message(const QString &text, int timeoutMs); // for the status bar

private:
    void run();
    void updateRunButton(); // greyed out, the reason as its tooltip, when it cannot run

    Runtime *m_runtime;
    QLabel *m_loss = nullptr;
    QComboBox *m_name = nullptr;
    QPushButton *m_run = nullptr;
    ScenarioRunner::Options m_options;
    QPointer<ScenarioRunner> m_scenario; // the one running
};
