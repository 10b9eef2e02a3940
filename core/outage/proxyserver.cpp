// ProxyServer: accepted descriptors go straight to the worker, never through a QTcpSocket.
#include "outage/proxyserver.h"
#include "outage/proxyworker.h"

ProxyServer::ProxyServer(ProxyWorker *worker)
    : QTcpServer(worker)
    , m_worker(worker)
{
}

void ProxyServer::incomingConnection(qintptr fd)
{
    m_worker->accept(static_cast<int>(fd));
}
