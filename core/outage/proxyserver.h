// ProxyServer: the fault proxy's listening socket; hands each accepted descriptor to its worker.
#pragma once

#include <QTcpServer>

class ProxyWorker;

class ProxyServer : public QTcpServer {
public:
    explicit ProxyServer(ProxyWorker *worker);

protected:
    void incomingConnection(qintptr fd) override;

private:
    ProxyWorker *m_worker;
};
