// writeNow: a non-blocking send(2), then Qt's buffer for the rest.
#include "http/socketwrite.h"

#include <QSslSocket>
#include <QTcpSocket>

#include <cerrno>
#include <sys/socket.h>

void writeNow(QTcpSocket *socket, const QByteArray &bytes)
{
    if (auto *tls = qobject_cast<QSslSocket *>(socket); tls && tls->mode() != QSslSocket::UnencryptedMode) {
        // TLS: the bytes must go through the encryption; flush() encrypts and sends them now.
        tls->write(bytes);
        tls->flush();
        return;
    }
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
