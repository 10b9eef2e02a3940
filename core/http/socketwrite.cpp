// writeNow: a non-blocking send(2), then Qt's buffer for the rest.
#include "http/socketwrite.h"

#include <QTcpSocket>

#include <cerrno>
#include <sys/socket.h>

void writeNow(QTcpSocket *socket, const QByteArray &bytes)
{
    qsizetype sent = 0;
    if (socket->bytesToWrite() == 0 && socket->state() == QAbstractSocket::ConnectedState) {
        const auto fd = static_cast<int>(socket->socketDescriptor());
        while (sent < bytes.size()) {
            const ssize_t n = ::send(
                fd, bytes.constData() + sent, static_cast<size_t>(bytes.size() - sent), MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n > 0) {
                sent += n;
                continue;
            }
            if (n < 0 && errno == EINTR)
                continue;
            break; // EAGAIN or an error: Qt takes over and reports errors its way
        }
    }
    if (sent < bytes.size())
        socket->write(bytes.constData() + sent, bytes.size() - sent);
}
