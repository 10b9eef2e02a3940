// RefusalLog: what a listener refused (connections and requests), counted exactly for /metrics and
// logged once per burst, so that a flood of refusals costs a few log lines, not one per connection.
#pragma once

#include <QHostAddress>
#include <QObject>
#include <QString>
#include <QTimer>

#include <array>
#include <atomic>
#include <optional>

enum class Refusal {
    TooManyConnections, // 503: the listener's connection limit
    PerAddressLimit, // 503: the limit of connections from one address
    FileLimit, // accept() failed for lack of file descriptors: accepting paused (counted per pause)
    Timeout, // 408: head, body rate or whole-request deadline
    BodyTooLarge, // 413
    HeadTooLarge, // 414, 431
    BadRequest, // 400, 417: framing or syntax
    NotImplemented, // 501, 505: a transfer coding or HTTP version ackhook does not speak
    Unauthorized, // 401 before the body was read (admin listener)
    Forbidden, // 403: a cross-site request (admin listener)
    Misdirected, // 421: a Host the listener does not serve (admin listener)
    UnsupportedMediaType, // 415: a state-changing call without application/json (admin listener)
};
constexpr int RefusalCount = static_cast<int>(Refusal::UnsupportedMediaType) + 1;

// The metric label: too_many_connections, per_address_limit, file_limit, timeout, ...
QString refusalName(Refusal refusal);
// The refusal a protocol-level error status stands for; nullopt for other statuses.
std::optional<Refusal> refusalForStatus(int status);

struct RefusalCounts {
    std::array<quint64, RefusalCount> counts {};
    quint64 of(Refusal refusal) const { return counts[static_cast<size_t>(refusal)]; }
    quint64 total() const;
};

class RefusalLog : public QObject {
    Q_OBJECT
public:
    static constexpr int DefaultBurstMs = 10000;

    // listener: named in the log lines ("webhook", "admin").
    explicit RefusalLog(QString listener, QObject *parent = nullptr);

    // Thread of the owner. The first refusal after a quiet burst interval is logged with its reason
    // and peer; the ones after it are summed up once per interval while they go on.
    void note(Refusal refusal, const QHostAddress &peer, const QString &detail);
    RefusalCounts counts() const; // any thread
    void setBurstInterval(int ms) { m_burstTimer.setInterval(ms); }

private:
    void endOfInterval();

    QString m_listener;
    std::array<std::atomic<quint64>, RefusalCount> m_counts {};
    std::array<quint64, RefusalCount> m_inBurst {}; // refusals not logged yet, this interval
    bool m_burst = false;
    QTimer m_burstTimer { this };
};
