// InstanceChannel: one window per data directory. The running ackhook listens on a local socket in
// its data directory; a second start with a window asks it to come to the front and exits, instead
// of failing on the data-directory lock with a message on a terminal nobody sees (a desktop launcher).
#pragma once

#include <QObject>
#include <QString>

class QLocalServer;

class InstanceChannel : public QObject {
    Q_OBJECT
public:
    // <dataDir>/window.sock; empty when the path is too long for a Unix socket (no channel then).
    static QString socketPath(const QString &dataDir);
    // Asks the ackhook that serves dataDir to show its window. True once it said it did (bounded
    // by timeoutMs); false when nobody listens (none runs, or it runs headless).
    static bool askToShow(const QString &dataDir, int timeoutMs = 3000);

    explicit InstanceChannel(QObject *parent = nullptr);
    ~InstanceChannel() override;
    // Listens for askToShow. Call it only while holding the data directory's lock: a socket file
    // found there is then a dead instance's and is replaced. False with *error.
    bool listen(const QString &dataDir, QString *error);

Q_SIGNALS:
    void showRequested();

private:
    QLocalServer *m_server = nullptr;
};
