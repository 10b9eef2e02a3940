// ScenarioRunner: the lab's classic demonstration, scripted against one running ackhook: steady
// traffic with unique keys on one endpoint per dispatch policy, an outage in the middle, recovery,
// then a summary per policy from the answers it got and the loss detector's classification.
#pragma once

#include "lab/lossfigures.h"

#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QRandomGenerator>
#include <QTimer>

#include <array>
#include <chrono>
#include <optional>

class Runtime;

class ScenarioRunner : public QObject {
    Q_OBJECT
public:
    enum class Outage { Down, Blackhole, NatsKill, PowerCut };
    struct Scenario {
        const char *name;
        Outage outage;
        const char *description;
    };
    static const QList<Scenario> &scenarios();
    static std::optional<Scenario> find(QStringView name);
    static QStringList names();

    struct Options {
        int ratePerEndpoint = 20; // requests a second on each endpoint
        std::chrono::milliseconds before { 10000 };
        std::chrono::milliseconds outage { 10000 };
        std::chrono::milliseconds after { 10000 };
        std::chrono::milliseconds settleTimeout { 60000 }; // waiting for the spool and the detector
        // Drives everything random in the traffic: the gaps between requests (jitter of +-50 %
        // around 1/rate), the random part of each key and the body's contents. Empty: one is drawn
        // at random and shown in the summary, so the run can be repeated (--scenario-seed).
        std::optional<quint32> seed;
    };
    // One second of the traffic, by when the requests were sent (for the chart).
    struct Second {
        quint32 answered2xx = 0;
        quint32 answered5xx = 0;
        quint32 lostAfter2xx = 0; // of the 2xx; the lost events the detector lists (its last 1000)
    };
    struct Row {
        QString policy;
        QByteArray path;
        quint64 sent = 0;
        quint64 answered2xx = 0;
        quint64 answered5xx = 0;
        quint64 otherOrNone = 0; // 4xx, or no answer at all
        quint64 stored = 0;
        quint64 lostAfter2xx = 0;
        quint64 storedAfter5xx = 0;
        quint64 pending = 0;
        quint64 duplicates = 0;
        qint64 delayP50Ms = 0;
        qint64 delayP99Ms = 0;
        QList<Second> seconds;
    };
    struct Summary {
        QString scenario;
        QString description;
        Options options;
        quint32 seed = 0; // the seed the traffic was drawn from
        qint64 startedAtMs = 0; // wall clock (ms since the epoch) of the first request
        qint64 outageFromMs = 0, outageToMs = 0; // from the first request
        QList<Row> rows;
        bool settled = false; // false: the settle timeout ended the wait (pending > 0 somewhere)
        QString error;
        QString markdown() const;
    };

    ScenarioRunner(Runtime *runtime, Scenario scenario, Options options, QObject *parent = nullptr);
    // Empty when the runtime can run the scenario; else why not (an endpoint per policy, the loss
    // detector, an embedded nats-server for nats-kill, its store on lossyfs for power-cut).
    static QString problem(const Runtime *runtime, Scenario scenario);
    void start();
    bool isRunning() const { return m_phase != Phase::Idle && m_phase != Phase::Done; }

Q_SIGNALS:
    void progress(const QString &phase);
    void finished(const ScenarioRunner::Summary &summary);

private:
    enum class Phase { Idle, Before, Outage, After, Settling, Done };
    void tick();
    void sendOne(int policy, const QByteArray &nonce, const QByteArray &payload);
    void beginOutage();
    void endOutage();
    void settle();
    void finish(bool settled, const QString &error = {});
    void setPhase(Phase phase, const QString &text);

    Runtime *m_runtime;
    Scenario m_scenario;
    Options m_options;
    Phase m_phase = Phase::Idle;
    std::array<QByteArray, DispatchPolicyCount> m_paths;
    std::array<Row, DispatchPolicyCount> m_rows;
    LossFigures m_baseline;
    quint32 m_seed = 0;
    QRandomGenerator m_random;
    // The schedule is drawn from the seed, and each phase ends after the request scheduled past its
    // end: the number of requests per phase depends on the seed and the options only, never on how
    // punctually the timer fired (a late tick sends at once and the next gap shrinks).
    QByteArray m_runId; // unique per run: the same seed twice does not repeat keys within the stream's duplicate window
    qint64 m_scheduledMs = 0; // when the next request is due, from the start of the traffic
    qint64 m_startedAtMs = 0;
    qint64 m_outageFromMs = 0;
    qint64 m_outageToMs = 0;
    QElapsedTimer m_trafficClock;
    QTimer m_sendTimer { this };
    QTimer m_settleTimer { this };
    QElapsedTimer m_phaseClock;
    QElapsedTimer m_settleClock;
    quint64 m_sequence = 0;
    int m_open = 0; // requests without an answer yet
};

Q_DECLARE_METATYPE(ScenarioRunner::Summary)
