// writeNow: send bytes on a QTcpSocket at once, bypassing Qt's deferred write when possible.
#pragma once

#include <QByteArray>

class QTcpSocket;

// QAbstractSocket::write() only buffers: the send happens on a later event-loop pass, after
// enabling and then disabling a write notifier (two epoll_ctl calls and an extra poll per write).
// When nothing is queued in Qt's buffer this sends directly; whatever the kernel does not take is
// handed to QTcpSocket::write(), so byte order and backpressure stay Qt's.
void writeNow(QTcpSocket *socket, const QByteArray &bytes);
