// Test support implementation.
#include "testsupport.h"

#include "outage/faultproxy.h"
#include "gateway.h"
#include "nats/natsbus.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QFile>
#include <QJsonDocument>
#include <QMutex>
#include <QProcess>
#include <QRandomGenerator>
#include <QSet>
#include <QTcpServer>
#include <QTest>
#include <QThread>
#include <QUuid>

#include <nats/nats.h>

#include <algorithm>
#include <csignal>

namespace TestSupport {

QByteArray HttpReply::header(QByteArrayView name) const
{
    return headerValue(headers, name);
}

QJsonObject HttpReply::json() const
{
    return QJsonDocument::fromJson(body).object();
}

QByteArray rawRequest(
    const QByteArray &method, const QByteArray &path, const QByteArray &body, const HeaderList &headers, bool keepAlive)
{
    QByteArray out = method + ' ' + path + " HTTP/1.1\r\n";
    const bool hostGiven = std::any_of(headers.cbegin(), headers.cend(),
        [](const auto &header) { return header.first.compare("host", Qt::CaseInsensitive) == 0; });
    if (!hostGiven)
        out += "Host: 127.0.0.1\r\n";
    bool framed = false;
    for (const auto &[name, value] : headers) {
        out += name + ": " + value + "\r\n";
        framed = framed || name.compare("transfer-encoding", Qt::CaseInsensitive) == 0
            || name.compare("content-length", Qt::CaseInsensitive) == 0;
    }
    if (!framed && (!body.isEmpty() || method == "POST" || method == "PUT"))
        out += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    if (!keepAlive)
        out += "Connection: close\r\n";
    out += "\r\n" + body;
    return out;
}

HttpClient::HttpClient(quint16 port, int timeoutMs)
    : m_socket(std::make_unique<QTcpSocket>())
{
    m_socket->connectToHost(QHostAddress::LocalHost, port);
    m_socket->waitForConnected(timeoutMs);
}

void HttpClient::send(const QByteArray &bytes)
{
    m_socket->write(bytes);
    m_socket->flush();
}

std::optional<HttpReply> HttpClient::tryParse(bool headRequest)
{
    const qsizetype headEnd = m_buffer.indexOf("\r\n\r\n");
    if (headEnd < 0)
        return std::nullopt;
    const QList<QByteArray> lines = m_buffer.left(headEnd).split('\n');
    HttpReply reply;
    const QList<QByteArray> statusLine = lines.first().trimmed().split(' ');
    reply.status = statusLine.size() > 1 ? statusLine.at(1).toInt() : 0;
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const qsizetype colon = lines[i].indexOf(':');
        reply.headers.append({ lines[i].left(colon).trimmed(), lines[i].mid(colon + 1).trimmed() });
    }
    const qsizetype length = headRequest || reply.status == 100 ? 0 : reply.header("content-length").toLongLong();
    if (m_buffer.size() < headEnd + 4 + length)
        return std::nullopt;
    reply.body = m_buffer.mid(headEnd + 4, length);
    m_buffer.remove(0, headEnd + 4 + length);
    return reply;
}

std::optional<HttpReply> HttpClient::readReply(int timeoutMs, bool headRequest)
{
    const QDeadlineTimer deadline(timeoutMs);
    for (;;) {
        m_buffer += m_socket->readAll();
        if (auto reply = tryParse(headRequest)) {
            if (reply->status == 100)
                continue; // interim answer to Expect: 100-continue
            return reply;
        }
        if (deadline.hasExpired() || m_socket->state() != QAbstractSocket::ConnectedState)
            return std::nullopt;
        // Serve this thread's own servers (the admin API lives on the main thread) while waiting.
        QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
        m_socket->waitForReadyRead(1);
    }
}

bool HttpClient::waitForClose(int timeoutMs)
{
    const QDeadlineTimer deadline(timeoutMs);
    while (!deadline.hasExpired()) {
        if (m_socket->state() == QAbstractSocket::UnconnectedState)
            return true;
        m_buffer += m_socket->readAll();
        QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
        if (!m_socket->waitForReadyRead(5) && m_socket->state() == QAbstractSocket::UnconnectedState)
            return true;
    }
    return m_socket->state() == QAbstractSocket::UnconnectedState;
}

std::optional<HttpReply> request(quint16 port, const QByteArray &method, const QByteArray &path, const QByteArray &body,
    const HeaderList &headers, int timeoutMs)
{
    HttpClient connection(port);
    connection.send(rawRequest(method, path, body, headers, false));
    return connection.readReply(timeoutMs, method == "HEAD");
}

QByteArray StoredMessage::header(QByteArrayView name) const
{
    return headerValue(headers, name);
}

StreamReader::StreamReader(const QString &url)
{
    const QByteArray u = url.toUtf8();
    if (natsConnection_ConnectTo(&m_connection, u.constData()) != NATS_OK) {
        m_connection = nullptr;
        return;
    }
    if (natsConnection_JetStream(&m_js, m_connection, nullptr) != NATS_OK)
        m_js = nullptr;
}

StreamReader::~StreamReader()
{
    jsCtx_Destroy(m_js);
    natsConnection_Destroy(m_connection);
}

StreamReader::State StreamReader::state(const QByteArray &stream)
{
    jsStreamInfo *info = nullptr;
    if (!m_js || js_GetStreamInfo(&info, m_js, stream.constData(), nullptr, nullptr) != NATS_OK)
        return {};
    const State state { info->State.Msgs, info->State.LastSeq };
    jsStreamInfo_Destroy(info);
    return state;
}

std::optional<StoredMessage> StreamReader::message(const QByteArray &stream, quint64 seq, int *status)
{
    natsMsg *msg = nullptr;
    const natsStatus got = m_js ? js_GetMsg(&msg, m_js, stream.constData(), seq, nullptr, nullptr) : NATS_NOT_INITIALIZED;
    if (status)
        *status = got;
    if (got != NATS_OK)
        return std::nullopt;
    StoredMessage stored;
    stored.seq = seq;
    stored.subject = natsMsg_GetSubject(msg);
    stored.data = QByteArray(natsMsg_GetData(msg), natsMsg_GetDataLength(msg));
    const char **keys = nullptr;
    int count = 0;
    if (natsMsgHeader_Keys(msg, &keys, &count) == NATS_OK) {
        for (int i = 0; i < count; ++i) {
            const char *value = nullptr;
            if (natsMsgHeader_Get(msg, keys[i], &value) == NATS_OK)
                stored.headers.append({ QByteArray(keys[i]), QByteArray(value) });
        }
        free(static_cast<void *>(keys));
    }
    natsMsg_Destroy(msg);
    return stored;
}

QList<StoredMessage> StreamReader::all(const QByteArray &stream)
{
    QList<StoredMessage> messages;
    const quint64 last = lastSeq(stream);
    const QDeadlineTimer retriesUntil(30000);
    for (quint64 seq = 1; seq <= last; ++seq) {
        int status = NATS_OK;
        std::optional<StoredMessage> message = this->message(stream, seq, &status);
        for (int retry = 0; !message && status != NATS_NOT_FOUND && retry < 5 && !retriesUntil.hasExpired(); ++retry)
            message = this->message(stream, seq, &status);
        if (message)
            messages.append(*message);
        else if (status != NATS_NOT_FOUND)
            qWarning("StreamReader: %s seq %llu unread: %s", stream.constData(), seq,
                natsStatus_GetText(static_cast<natsStatus>(status)));
    }
    return messages;
}

bool StreamReader::addStream(const QByteArray &stream, const QList<QByteArray> &subjects, qint32 maxMsgSize,
    int replicas, QString *error)
{
    if (!m_js) {
        if (error)
            *error = QStringLiteral("not connected");
        return false;
    }
    std::vector<const char *> subjectPointers;
    for (const QByteArray &subject : subjects)
        subjectPointers.push_back(subject.constData());
    jsStreamConfig config;
    jsStreamConfig_Init(&config);
    config.Name = stream.constData();
    config.Subjects = subjectPointers.data();
    config.SubjectsLen = static_cast<int>(subjectPointers.size());
    config.Storage = js_FileStorage;
    config.MaxMsgSize = maxMsgSize;
    config.Replicas = replicas;
    jsStreamInfo *info = nullptr;
    jsErrCode code = static_cast<jsErrCode>(0);
    const natsStatus status = js_AddStream(&info, m_js, &config, nullptr, &code);
    jsStreamInfo_Destroy(info);
    if (status != NATS_OK && error)
        *error = QStringLiteral("%1 (JetStream error %2): %3")
                     .arg(QString::fromUtf8(natsStatus_GetText(status)))
                     .arg(static_cast<int>(code))
                     .arg(QString::fromUtf8(nats_GetLastError(nullptr)));
    return status == NATS_OK;
}

bool StreamReader::deleteStream(const QByteArray &stream)
{
    return m_js && js_DeleteStream(m_js, stream.constData(), nullptr, nullptr) == NATS_OK;
}

NatsBus::Cluster StreamReader::cluster(const QByteArray &stream)
{
    jsStreamInfo *info = nullptr;
    if (!m_js || js_GetStreamInfo(&info, m_js, stream.constData(), nullptr, nullptr) != NATS_OK)
        return {};
    NatsBus::Cluster cluster = NatsBus::Cluster::fromStreamInfo(info);
    jsStreamInfo_Destroy(info);
    return cluster;
}

std::unique_ptr<Runtime> startRuntime(
    RuntimeConfig config, const QString &dataDir, std::chrono::milliseconds ackTimeout, QString *error)
{
    config.dataDir = dataDir;
    config.gateway.listenPort = 0;
    config.gateway.ackTimeout = ackTimeout;
    config.adminPort = 0;
    auto runtime = std::make_unique<Runtime>(config);
    if (!runtime->start(error))
        return nullptr;
    return runtime;
}

bool setOutageAndWait(Runtime *runtime, OutageSettings::Mode mode, int timeoutMs)
{
    OutageSettings settings;
    settings.mode = mode;
    runtime->faultProxy()->setSettings(settings);
    const bool wantConnected = mode == OutageSettings::Mode::Off;
    return QTest::qWaitFor([&] { return runtime->gateway()->bus()->isConnected() == wantConnected; }, timeoutMs);
}

qint64 residentKiB()
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').first().toLongLong();
    }
    return -1;
}

QByteArray uniqueKey()
{
    return QUuid::createUuid().toByteArray(QUuid::WithoutBraces);
}

// A port the kernel will not hand to anyone else: bind(0), which ackhook, its fault proxy and
// nats-server use for their own listeners, only picks from ip_local_port_range (32768-60999 by
// default), so a port freed by a probe inside that range can be taken by another process before the
// test binds it again (CI saw ackhook's own fault proxy take its --port). Ports below the range are
// handed out at random, checked bindable, and never twice in one test process.
void useLaptopScreen(const QTemporaryDir &dir)
{
    if (qgetenv("QT_QPA_PLATFORM") != "offscreen" || !dir.isValid())
        return;
    const QString config = dir.filePath(QStringLiteral("screens.json"));
    QFile file(config);
    const QByteArray json = QStringLiteral(R"({"screens": [{"name": "laptop", "x": 0, "y": 0, "width": %1, )"
                                           R"("height": %2, "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]})")
                                .arg(LaptopScreen.width())
                                .arg(LaptopScreen.height())
                                .toUtf8();
    if (file.open(QIODevice::WriteOnly) && file.write(json) == json.size()) {
        file.close();
        qputenv("QT_QPA_PLATFORM", "offscreen:configfile=" + QFile::encodeName(config));
    }
}

FailedEvent sampleFailedEvent(qint64 id, FailedEvent::State state, int attempts)
{
    FailedEvent e;
    e.id = id;
    e.receivedMs = 1'700'000'000'000 + id;
    e.method = "POST";
    e.endpoint = "/webhook";
    e.key = "key-" + QByteArray::number(id);
    e.reason = QStringLiteral("disconnected");
    e.state = state;
    e.attempts = attempts;
    e.bodyBytes = 10;
    return e;
}

quint16 freePort()
{
    static QSet<quint16> handedOut;
    int rangeLow = 32768;
    QFile range(QStringLiteral("/proc/sys/net/ipv4/ip_local_port_range"));
    if (range.open(QIODevice::ReadOnly))
        rangeLow = std::clamp(range.readAll().simplified().split(' ').value(0).toInt(), 2048, 65535);
    constexpr int lowest = 10000; // above the well-known ports and most registered services
    for (int attempt = 0; attempt < 500 && rangeLow > lowest + 100; ++attempt) {
        const auto port = static_cast<quint16>(QRandomGenerator::global()->bounded(lowest, rangeLow));
        if (handedOut.contains(port))
            continue;
        QTcpServer probe;
        if (probe.listen(QHostAddress::LocalHost, port)) {
            handedOut.insert(port);
            return port;
        }
    }
    QTcpServer probe; // the range is configured away: fall back to the kernel's choice
    probe.listen(QHostAddress::LocalHost, 0);
    return probe.serverPort();
}

namespace {
    char processState(qint64 pid)
    {
        QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
        if (!stat.open(QIODevice::ReadOnly))
            return 0;
        const QByteArray line = stat.readAll();
        const qsizetype end = line.lastIndexOf(')'); // the command name may contain spaces
        return end > 0 && end + 2 < line.size() ? line.at(end + 2) : 0;
    }
} // namespace

bool processExists(qint64 pid)
{
    // A zombie (dead, not yet reaped by whoever inherited it) does not count.
    return pid > 0 && ::kill(static_cast<pid_t>(pid), 0) == 0 && processState(pid) != 'Z';
}

void stopProcess(qint64 pid)
{
    ::kill(static_cast<pid_t>(pid), SIGSTOP);
    // kill() only queues the signal: wait (bounded) until every thread has really stopped.
    const QDeadlineTimer deadline(2000);
    while (processState(pid) != 'T' && !deadline.hasExpired())
        QThread::yieldCurrentThread();
}

void continueProcess(qint64 pid)
{
    ::kill(static_cast<pid_t>(pid), SIGCONT);
}

QByteArray StoredMessage::keyOn(QByteArrayView endpointPath) const
{
    const QByteArray id = header("Nats-Msg-Id");
    const QByteArray prefix = endpointPath.toByteArray() + ' ';
    return id.startsWith(prefix) ? id.mid(prefix.size()) : QByteArray();
}

QByteArray StoredMessage::callerKey() const
{
    const QByteArray id = header("Nats-Msg-Id");
    const qsizetype space = id.indexOf(' ');
    return space < 0 ? QByteArray() : id.mid(space + 1);
}

QByteArray scopedMsgId(QByteArrayView endpointPath, QByteArrayView key, bool cloudEvent)
{
    return endpointPath.toByteArray() + (cloudEvent ? "#ce " : " ") + key.toByteArray();
}

QByteArray runOpenssl(const QStringList &arguments, const QByteArray &input)
{
    QProcess openssl;
    openssl.start(QStringLiteral("openssl"), arguments);
    if (!openssl.waitForStarted(10000))
        return {};
    openssl.write(input);
    openssl.closeWriteChannel();
    if (!openssl.waitForFinished(30000) || openssl.exitCode() != 0)
        return {};
    return openssl.readAllStandardOutput();
}

namespace {
QMutex captureMutex;
QStringList capturedLines;
QtMessageHandler handlerBefore = nullptr;

void captureMessage(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    {
        const QMutexLocker lock(&captureMutex);
        capturedLines.append(message);
    }
    if (handlerBefore)
        handlerBefore(type, context, message);
}
} // namespace

LogCapture::LogCapture()
{
    clear();
    handlerBefore = qInstallMessageHandler(captureMessage);
}

LogCapture::~LogCapture()
{
    qInstallMessageHandler(handlerBefore);
}

QStringList LogCapture::lines() const
{
    const QMutexLocker lock(&captureMutex);
    return capturedLines;
}

void LogCapture::clear()
{
    const QMutexLocker lock(&captureMutex);
    capturedLines.clear();
}

bool LogCapture::contains(const QStringList &parts) const
{
    const QStringList all = lines();
    return std::any_of(all.begin(), all.end(), [&](const QString &line) {
        return std::all_of(parts.begin(), parts.end(), [&](const QString &part) { return line.contains(part); });
    });
}

} // namespace TestSupport

QByteArray TestSupport::readBack(FILE *file)
{
    std::fflush(file);
    std::rewind(file);
    QByteArray text;
    char chunk[4096];
    for (size_t n; (n = std::fread(chunk, 1, sizeof chunk, file)) > 0;)
        text.append(chunk, static_cast<qsizetype>(n));
    return text;
}
