// Test support: a blocking raw HTTP client, a JetStream reader, process and memory probes.
#pragma once

#include "webhook/idempotencykey.h"

#include <QByteArray>
#include <QSize>
#include <QTemporaryDir>
#include <QJsonObject>
#include <QTcpSocket>

#include <cstdio>
#include <memory>
#include <optional>

#include "runtime.h"
#include "store/failedevent.h"

struct __natsConnection;
struct __jsCtx;

namespace TestSupport {

struct HttpReply {
    int status = 0;
    HeaderList headers;
    QByteArray body;

    QByteArray header(QByteArrayView name) const;
    QJsonObject json() const;
};

// Builds the bytes of one HTTP/1.1 request (Content-Length framing unless headers say otherwise;
// "Host: 127.0.0.1" unless headers name one).
QByteArray rawRequest(const QByteArray &method, const QByteArray &path, const QByteArray &body = {},
    const HeaderList &headers = {}, bool keepAlive = true);

// One connection to 127.0.0.1:port; reads replies with deadlines (never sleeps).
class HttpClient {
public:
    explicit HttpClient(quint16 port, int timeoutMs = 5000);
    bool isConnected() const { return m_socket->state() == QAbstractSocket::ConnectedState; }
    void send(const QByteArray &bytes);
    // Next reply, or nullopt when none complete within timeoutMs (or the peer closed).
    std::optional<HttpReply> readReply(int timeoutMs = 10000, bool headRequest = false);
    // True when the server closes the connection within timeoutMs.
    bool waitForClose(int timeoutMs);
    QTcpSocket &socket() { return *m_socket; }
    void abort() { m_socket->abort(); }

private:
    std::optional<HttpReply> tryParse(bool headRequest);
    std::unique_ptr<QTcpSocket> m_socket;
    QByteArray m_buffer;
};

// One request on its own connection.
std::optional<HttpReply> request(quint16 port, const QByteArray &method, const QByteArray &path,
    const QByteArray &body = {}, const HeaderList &headers = {}, int timeoutMs = 10000);

struct StoredMessage {
    quint64 seq = 0;
    QByteArray subject;
    QByteArray data;
    HeaderList headers;
    QByteArray header(QByteArrayView name) const;
    // The caller's idempotency key: Nats-Msg-Id without its endpoint scope ("<path> <key>"); empty
    // when the Nats-Msg-Id is not scoped to that path.
    QByteArray keyOn(QByteArrayView endpointPath) const;
    // The same for whichever endpoint it came from (an endpoint path holds no space).
    QByteArray callerKey() const;
};

// The Nats-Msg-Id ackhook publishes for a caller's key on an endpoint: "<path> <key>", and
// "<path>#ce <source> <id>" for a CloudEvent (written out here, not taken from the code under test).
QByteArray scopedMsgId(QByteArrayView endpointPath, QByteArrayView key, bool cloudEvent = false);

// Reads a JetStream stream over its own cnats connection.
class StreamReader {
public:
    explicit StreamReader(const QString &url);
    ~StreamReader();
    bool isValid() const { return m_js != nullptr; }
    __natsConnection *connection() const { return m_connection; } // for raw requests (JetStream API calls)
    struct State {
        quint64 messages = 0;
        quint64 lastSeq = 0;
    };
    State state(const QByteArray &stream);
    quint64 messageCount(const QByteArray &stream) { return state(stream).messages; }
    quint64 lastSeq(const QByteArray &stream) { return state(stream).lastSeq; }
    // One message; nullopt when there is none at seq, or the request failed (*status says which).
    std::optional<StoredMessage> message(const QByteArray &stream, quint64 seq, int *status = nullptr);
    // Every message from seq 1 to the last. A request that fails (a JetStream API timeout while a
    // cluster heals) is asked again, up to 5 times per message and 30 s in all, so a message is
    // left out only when the stream has none at that seq; a warning names any that stayed unread.
    QList<StoredMessage> all(const QByteArray &stream);
    // Creates a file stream on these subjects whose messages may be at most maxMsgSize bytes (-1: no
    // limit; a larger publish is refused by JetStream itself, a real nack), with this many replicas
    // (more than 1 on a cluster). True when it exists afterwards; else *error says why.
    bool addStream(const QByteArray &stream, const QList<QByteArray> &subjects, qint32 maxMsgSize = -1,
        int replicas = 1, QString *error = nullptr);
    bool deleteStream(const QByteArray &stream);
    // The stream's leader and replicas from its info (an empty leader when the info does not come).
    NatsBus::Cluster cluster(const QByteArray &stream);

private:
    __natsConnection *m_connection = nullptr;
    __jsCtx *m_js = nullptr;
};

// An in-process ackhook (embedded nats-server in dataDir, fault proxy, gateway, admin API) on free
// loopback ports; null with *error set when it does not start.
std::unique_ptr<Runtime> startRuntime(
    RuntimeConfig config, const QString &dataDir, std::chrono::milliseconds ackTimeout, QString *error);

// Switches the runtime's simulated outage and waits (up to timeoutMs) until its NATS connection
// shows it: down for Down, connected for Off. False when it did not in time.
bool setOutageAndWait(Runtime *runtime, OutageSettings::Mode mode, int timeoutMs = 5000);

qint64 residentKiB(); // this process' VmRSS
quint16 freePort();
// A failed event as the models' tests want one: POST /webhook, key-<id>, 10 bytes, "disconnected".
FailedEvent sampleFailedEvent(qint64 id, FailedEvent::State state = FailedEvent::State::Pending, int attempts = 1);
// The window suites' screen: 1366×768, a laptop's, instead of the offscreen platform's 800×600.
inline constexpr QSize LaptopScreen(1366, 768);
// Called before the QApplication: when QT_QPA_PLATFORM is "offscreen", gives that platform one
// LaptopScreen through its config file (Qt 6's offscreen:configfile=), written into dir.
void useLaptopScreen(const QTemporaryDir &dir);
// QTEST_MAIN on a LaptopScreen.
#define ACKHOOK_TEST_MAIN_ON_A_LAPTOP(TestObject)                                                                     \
    int main(int argc, char *argv[])                                                                                   \
    {                                                                                                                  \
        QTemporaryDir platformDir;                                                                                     \
        TestSupport::useLaptopScreen(platformDir);                                                                     \
        QApplication app(argc, argv);                                                                                  \
        app.setAttribute(Qt::AA_Use96Dpi, true);                                                                       \
        TestObject test;                                                                                               \
        QTEST_SET_MAIN_SOURCE_PATH                                                                                     \
        return QTest::qExec(&test, argc, argv);                                                                        \
    }
QByteArray uniqueKey(); // a fresh UUID: unique idempotency keys for tests
// The openssl command, input on its stdin: known answers computed outside the code under test.
// Its stdout; empty when it fails (./dev test installs openssl).
QByteArray runOpenssl(const QStringList &arguments, const QByteArray &input = {});

// Every message logged while it lives, from any thread (the server thread, cnats callbacks), each
// passed on to the handler installed before it. One at a time.
class LogCapture {
public:
    LogCapture();
    ~LogCapture();
    LogCapture(const LogCapture &) = delete;
    LogCapture &operator=(const LogCapture &) = delete;
    QStringList lines() const;
    void clear();
    bool contains(const QStringList &parts) const; // a line that holds every part
};
// What a FILE (e.g. std::tmpfile() given to a log writer) received, read back from the start.
QByteArray readBack(FILE *file);
bool processExists(qint64 pid); // alive: zombies do not count
void stopProcess(qint64 pid); // SIGSTOP, returns once the process is stopped
void continueProcess(qint64 pid); // SIGCONT

// A process frozen with SIGSTOP for as long as this lives: the destructor sends SIGCONT, so a check
// that fails while it is frozen cannot leave it frozen for the rest of the suite (or forever).
class FrozenProcess {
public:
    explicit FrozenProcess(qint64 pid)
        : m_pid(pid > 0 ? pid : 0) // never 0: kill(0, ...) would signal the whole process group
    {
        if (m_pid > 0)
            stopProcess(m_pid);
    }
    ~FrozenProcess() { resume(); }
    FrozenProcess(const FrozenProcess &) = delete;
    FrozenProcess &operator=(const FrozenProcess &) = delete;
    void resume()
    {
        if (m_pid > 0)
            continueProcess(m_pid);
        m_pid = 0;
    }

private:
    qint64 m_pid;
};

} // namespace TestSupport
