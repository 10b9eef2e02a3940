// InstanceChannel: a line protocol over a Unix socket. "show\n" is answered "shown\n" after the
// window was asked to come to the front; anything else closes the connection.
#include "instancechannel.h"

#include <QDir>
#include <QFile>
#include <QLocalServer>
#include <QLocalSocket>
#include <QPointer>

#include <sys/un.h>

namespace {
constexpr qint64 MaxLine = 64;
}

QString InstanceChannel::socketPath(const QString &dataDir)
{
    const QString path = QDir(dataDir).absoluteFilePath(QStringLiteral("window.sock"));
    // sockaddr_un::sun_path holds the path and its NUL.
    return QFile::encodeName(path).size() < qsizetype(sizeof(sockaddr_un::sun_path)) ? path : QString();
}

bool InstanceChannel::askToShow(const QString &dataDir, int timeoutMs)
{
    const QString path = socketPath(dataDir);
    if (path.isEmpty() || !QFile::exists(path))
        return false;
    QLocalSocket socket;
    socket.connectToServer(path);
    if (!socket.waitForConnected(timeoutMs))
        return false;
    socket.write("show\n");
    if (!socket.waitForBytesWritten(timeoutMs))
        return false;
    while (!socket.canReadLine() && socket.bytesAvailable() < MaxLine) {
        if (!socket.waitForReadyRead(timeoutMs))
            return false;
    }
    return socket.readLine(MaxLine) == "shown\n";
}

InstanceChannel::InstanceChannel(QObject *parent)
    : QObject(parent)
    , m_server(new QLocalServer(this))
{
    // Only this user may ask (the data directory is 0700 too).
    m_server->setSocketOptions(QLocalServer::UserAccessOption);
    connect(m_server, &QLocalServer::newConnection, this, [this] {
        while (QLocalSocket *socket = m_server->nextPendingConnection()) {
            connect(socket, &QLocalSocket::disconnected, socket, &QObject::deleteLater);
            connect(socket, &QLocalSocket::readyRead, this, [this, socket = QPointer<QLocalSocket>(socket)] {
                if (!socket)
                    return;
                if (!socket->canReadLine()) {
                    if (socket->bytesAvailable() >= MaxLine)
                        socket->disconnectFromServer(); // not our protocol
                    return;
                }
                if (socket->readLine(MaxLine) != "show\n") {
                    socket->disconnectFromServer();
                    return;
                }
                Q_EMIT showRequested();
                socket->write("shown\n");
                socket->disconnectFromServer();
            });
        }
    });
}

InstanceChannel::~InstanceChannel()
{
    m_server->close(); // removes the socket file
}

bool InstanceChannel::listen(const QString &dataDir, QString *error)
{
    const QString path = socketPath(dataDir);
    if (path.isEmpty()) {
        *error = QStringLiteral("the data directory's path is too long for a local socket");
        return false;
    }
    QLocalServer::removeServer(path); // a dead instance's: the data directory's lock is ours
    if (!m_server->listen(path)) {
        *error = m_server->errorString();
        return false;
    }
    return true;
}
